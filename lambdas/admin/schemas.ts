import * as z from 'zod';
import { PROVIDER_PRESETS } from '../core/model/connection.js';

const trimmed = (max: number) => z.string().trim().min(1).max(max);

export const CreateWorkspaceBody = z.object({ name: trimmed(200) }).strict();

/**
 * `PUT …/okta`: an Okta org domain as an admin types it (`acme.okta.com`, `https://acme.okta.com/`,
 * a custom domain), or the full `issuer`, kept exactly as entered.
 */
export const OktaBody = z
  .object({
    domain: trimmed(255).optional(),
    issuer: trimmed(1024).optional(),
    clientId: trimmed(255),
    /** Required the first time; omitted on later updates to keep the stored secret. */
    clientSecret: z.string().min(1).max(1024).optional(),
    signInEnabled: z.boolean().default(true),
    jitEnabled: z.boolean().default(false),
    partialLogout: z.boolean().default(false),
    sharedSignalsEnabled: z.boolean().default(false),
    /**
     * Kept for compatibility: each new name becomes a PENDING claim (verify it with
     * `POST …/domains/{domain}/verify`); names are normalised and checked by the domain routes.
     */
    emailDomains: z.array(z.string().max(1024)).max(50).optional(),
  })
  .strict()
  .refine((b) => b.domain !== undefined || b.issuer !== undefined, { message: 'domain (or issuer) is required', path: ['domain'] });

/** Loopback hosts, where plain HTTP is acceptable in local mode (the demo's IdP stand-in). */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * The IdP's SSO URL: browsers are redirected there with the AuthnRequest, so it must be `https:`
 * (review #17: `javascript:` was accepted); plain `http:` only to a loopback host in local mode.
 */
function ssoUrl(localMode: boolean) {
  return z
    .string()
    .trim()
    .max(2048)
    .refine(
      (s) => {
        let u: URL;
        try {
          u = new URL(s);
        } catch {
          return false;
        }
        return u.protocol === 'https:' || (localMode && u.protocol === 'http:' && LOOPBACK.test(u.hostname));
      },
      { message: localMode ? 'must be an https:// URL (or http:// on a loopback host in local mode)' : 'must be an https:// URL' },
    );
}

/** `PUT …/saml` as a deployed stack accepts it; `samlBodyFor(config.LOCAL_MODE)` picks the right one. */
export const SamlBody = samlBody(false);
const LocalSamlBody = samlBody(true);
export function samlBodyFor(localMode: boolean): typeof SamlBody {
  return localMode ? LocalSamlBody : SamlBody;
}

function samlBody(localMode: boolean) {
  return z
    .object({
      idpSsoUrl: ssoUrl(localMode),
      // The issuer lookup's partition key (`ISSUER#<entity id>`): bounded in bytes too.
      idpEntityId: trimmed(1024).refine((s) => Buffer.byteLength(s) <= 1024, { message: 'must be at most 1024 bytes in UTF-8' }),
      /** The IdP signing certificate (PEM or bare base64). */
      idpCertificate: z.string().min(1).max(16_384).optional(),
      /** Up to two certificates accepted at once while the IdP rotates its key. */
      idpCertificates: z.array(z.string().min(1).max(16_384)).min(1).max(2).optional(),
      allowIdpInitiated: z.boolean().default(true),
      groupPrefix: z.string().max(255).optional(),
      appInstanceId: z.string().max(255).optional(),
      /** The Okta org URL or domain: Universal Logout's `iss` for this SAML app. */
      oktaOrgUrl: z.string().trim().min(1).max(255).optional(),
      signInEnabled: z.boolean().optional(),
      jitEnabled: z.boolean().optional(),
    })
    .strict()
    .refine((b) => b.idpCertificate !== undefined || b.idpCertificates !== undefined, {
      message: 'idpCertificate (or idpCertificates) is required',
      path: ['idpCertificate'],
    });
}

/** `POST …/domains`: a domain to claim (IDNA names welcome; normalised by the handler). */
export const ClaimDomainBody = z.object({ domain: z.string().trim().min(1).max(1024) }).strict();

export const ScimTokenBody = z
  .object({
    label: trimmed(100),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/**
 * The role catalogue and the role mappings live on the workspace item, whose audit record holds it
 * twice (before and after): each is bounded as a whole so the item stays far below DynamoDB's
 * 400 KB (a 500 otherwise: 500 mappings × 50 grants × 100 characters is 2.5 MB).
 */
export const MAX_ROLE_CONFIG_BYTES = 48 * 1024;
const boundedJson = { message: `is larger than ${MAX_ROLE_CONFIG_BYTES} bytes in total; use fewer or shorter entries` };
const fitsWorkspace = (v: unknown) => Buffer.byteLength(JSON.stringify(v)) <= MAX_ROLE_CONFIG_BYTES;

const roleId = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

export const RolesBody = z
  .object({
    roles: z
      .array(
        z
          .object({
            id: roleId,
            displayName: trimmed(200),
            // Okta's entitlement import caps descriptions at 1,000 characters.
            description: z.string().max(1000).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(200)
      .refine(fitsWorkspace, boundedJson),
    defaultRole: roleId,
  })
  .strict();

export const RoleMappingsBody = z
  .object({
    groups: z
      .array(z.object({ group: trimmed(255), role: roleId, grants: z.array(trimmed(100)).max(50).optional() }).strict())
      .max(500)
      .default([]),
    roleValues: z.array(z.object({ value: trimmed(255), role: roleId }).strict()).max(500).default([]),
  })
  .strict()
  .refine(fitsWorkspace, boundedJson);

/** Fields every connection body may carry (docs/connections.md, "API"). */
const connectionCommon = {
  preset: z.enum(PROVIDER_PRESETS),
  name: trimmed(200).optional(),
  signInEnabled: z.boolean().optional(),
  jitEnabled: z.boolean().optional(),
  /** Each new name becomes a PENDING claim of the workspace; it routes sign-ins once verified. */
  emailDomains: z.array(z.string().max(1024)).max(50).optional(),
};

const OidcConnectionBody = z
  .object({
    ...connectionCommon,
    protocol: z.literal('oidc'),
    /** The full issuer, kept exactly as entered; else derived from `domain` / `tenantId` by the preset. */
    issuer: trimmed(1024).optional(),
    domain: trimmed(255).optional(),
    tenantId: trimmed(64).optional(),
    clientId: trimmed(255),
    /** Required on create; omitted on update to keep the stored secret. Never shown again. */
    clientSecret: z.string().min(1).max(1024).optional(),
    partialLogout: z.boolean().optional(),
    sharedSignalsEnabled: z.boolean().optional(),
    hostedDomain: trimmed(253).optional(),
    groupsClaim: trimmed(100).optional(),
  })
  .strict();

function samlConnectionBody(localMode: boolean) {
  return z
    .object({
      ...connectionCommon,
      protocol: z.literal('saml'),
      /** The IdP's metadata URL: SSO URL, entity id and certificates are read from it. */
      metadataUrl: z.string().trim().min(1).max(2048).optional(),
      idpSsoUrl: ssoUrl(localMode).optional(),
      idpEntityId: trimmed(1024).refine((s) => Buffer.byteLength(s) <= 1024, { message: 'must be at most 1024 bytes in UTF-8' }).optional(),
      idpCertificate: z.string().min(1).max(16_384).optional(),
      idpCertificates: z.array(z.string().min(1).max(16_384)).min(1).max(2).optional(),
      allowIdpInitiated: z.boolean().optional(),
      groupPrefix: z.string().max(255).optional(),
      appInstanceId: z.string().max(255).optional(),
      oktaOrgUrl: z.string().trim().min(1).max(255).optional(),
    })
    .strict()
    .refine(
      (b) => b.metadataUrl !== undefined || (b.idpSsoUrl !== undefined && b.idpEntityId !== undefined && (b.idpCertificate !== undefined || b.idpCertificates !== undefined)),
      { message: 'metadataUrl, or idpSsoUrl, idpEntityId and idpCertificate (or idpCertificates), is required', path: ['metadataUrl'] },
    );
}

function connectionBody(localMode: boolean) {
  return z.discriminatedUnion('protocol', [OidcConnectionBody, samlConnectionBody(localMode)]);
}

/** `POST …/connections` and `PUT …/connections/{id}` as a deployed stack accepts them. */
export const ConnectionBody = connectionBody(false);
const LocalConnectionBody = connectionBody(true);
export function connectionBodyFor(localMode: boolean): typeof ConnectionBody {
  return localMode ? LocalConnectionBody : ConnectionBody;
}
export type ConnectionInput = z.infer<typeof ConnectionBody>;

export type OktaInput = z.infer<typeof OktaBody>;
export type SamlInput = z.infer<typeof SamlBody>;
