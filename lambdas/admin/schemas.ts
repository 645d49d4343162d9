import * as z from 'zod';

const trimmed = (max: number) => z.string().trim().min(1).max(max);

export const CreateWorkspaceBody = z.object({ name: trimmed(200) }).strict();

/** An Okta org domain as an admin types it: `acme.okta.com`, `https://acme.okta.com/`, a custom domain. */
export const OktaBody = z
  .object({
    domain: trimmed(255),
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
  .strict();

export const SamlBody = z
  .object({
    idpSsoUrl: z.string().url().max(2048),
    idpEntityId: trimmed(1024),
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

/** `POST …/domains`: a domain to claim (IDNA names welcome; normalised by the handler). */
export const ClaimDomainBody = z.object({ domain: z.string().trim().min(1).max(1024) }).strict();

export const ScimTokenBody = z
  .object({
    label: trimmed(100),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

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
      .max(200),
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
  .strict();

export type OktaInput = z.infer<typeof OktaBody>;
export type SamlInput = z.infer<typeof SamlBody>;
