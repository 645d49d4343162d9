import { auditContextFrom } from '../platform/http.js';
import { auditPut } from '../store/audit-items.js';
import type { Actor, AuditContext } from '../core/audit.js';
import { ConditionFailed, type TransactItem } from '../store/client.js';
import type { Deps } from '../platform/deps.js';
import { redirect, type HttpRequest, type HttpResponse } from '../platform/http.js';
import { effectiveAccess } from '../core/roles.js';
import { TokenRepo } from '../store/tokens.js';
import { UserRepo } from '../store/users.js';
import type { User } from '../core/model/user.js';
import type { Workspace } from '../core/model/workspace.js';
import { connectionPolicy, oktaOidcConnection, oktaSamlConnection, OKTA_OIDC_CONNECTION_ID, OKTA_SAML_CONNECTION_ID, type Connection } from '../core/model/connection.js';
import { idpLabel } from './idp-label.js';
import { refusalResponse } from './refuse.js';
import { SignInRefused, type RefusalSubject } from './refusals.js';
import { checkReturnTo, returnToUrl } from './return-to.js';
import { APP_SESSION_TTL_SECONDS, BRIDGE_SESSION_TTL_SECONDS, sessionCookie, type SessionMeta } from './session.js';
import { sealWithCode, SSO_CODE_TTL_SECONDS } from './sso-code.js';

/** What a protocol adapter hands the core after it validated the IdP's response. */
export interface SignInAssertion {
  readonly workspace: Workspace;
  /** The connection the user came through (one of `workspace.connections`): its switches apply. */
  readonly connection: Connection;
  readonly protocol: 'oidc' | 'saml';
  /** The IdP's issuer (OIDC issuer, SAML entity id), as configured for the connection. */
  readonly issuer: string;
  /** The IdP's stable subject: OIDC `sub` (the Okta user id; Entra's pairwise id), SAML NameID. */
  readonly subject: string;
  /**
   * The id the IdP's SCIM client sends as `externalId`, to match a SCIM-provisioned user on the
   * first sign-in: Okta's user id (= `sub`), Entra's object id (`oid`). Absent: OIDC `sub`.
   */
  readonly externalId?: string;
  readonly email?: string;
  /** Okta's `email_verified`; false is allowed but audited (seed 003). Absent = unknown. */
  readonly emailVerified?: boolean;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly displayName?: string;
  /** IdP groups of the assertion (OIDC `groups` claim, SAML `groups` attribute, prefix-filtered). */
  readonly groups?: readonly string[];
  /**
   * The IdP left the groups out (Entra's overage form): roles then come from the SCIM-provisioned
   * group memberships only, and the sign-in's audit record says so.
   */
  readonly groupsOverage?: boolean;
  /** A bridge-internal destination (`/admin`, SCIM OAuth consent); absent = the host app. */
  readonly returnTo?: string;
  /**
   * A deep link inside the host app (a relative path the caller already allowlisted, e.g. a SAML
   * RelayState `/projects/42`), passed on as `next` beside the one-time code.
   */
  readonly appPath?: string;
  /**
   * Protocol-specific items committed in the sign-in's own transaction, after the others (OIDC:
   * the proof of the workspace's Okta issuer claim, review #20).
   */
  readonly alsoCommit?: readonly TransactItem[];
}

/** Who may sign in with a protocol: the workspace's switches for it. */
export interface SignInPolicy {
  readonly enabled: boolean;
  readonly jit: boolean;
}

/**
 * The switches of the seeds' fixed connections (`okta` for OIDC, `saml` for SAML), for callers that
 * address a protocol rather than a connection; off when the connection does not exist. A sign-in
 * uses `connectionPolicy` of its own connection.
 */
export function signInPolicy(w: Workspace, protocol: 'oidc' | 'saml'): SignInPolicy {
  const c = protocol === 'oidc' ? oktaOidcConnection(w) : oktaSamlConnection(w);
  return c ? connectionPolicy(w, c) : { enabled: false, jit: false };
}

/**
 * The refusal for a connection whose sign-in is off: `sign_in_disabled` for the seeds' `okta` and
 * `saml` connections (as before connections existed), `connection_disabled` for the others.
 */
export function connectionDisabled(w: Workspace, c: Connection): SignInRefused {
  const seed = c.id === OKTA_OIDC_CONNECTION_ID || c.id === OKTA_SAML_CONNECTION_ID;
  const detail = seed ? `${idpLabel(c)} sign-in is turned off for workspace "${w.name}".` : `Sign-in through ${idpLabel(c)} (connection "${c.name}") is turned off for workspace "${w.name}".`;
  return new SignInRefused(seed ? 'sign_in_disabled' : 'connection_disabled', detail);
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

// ---- ordered checks ----------------------------------------------------------------------------

/** Sign-in must be turned on for the connection (`connectionPolicy`). */
function checkSignInEnabled(a: SignInAssertion): SignInPolicy {
  const policy = connectionPolicy(a.workspace, a.connection);
  if (!policy.enabled) throw connectionDisabled(a.workspace, a.connection);
  return policy;
}

/** The destination, when bridge-internal, must be on the allowlist (no open redirect). */
function checkDestination(deps: Deps, a: SignInAssertion): string | undefined {
  return a.returnTo === undefined ? undefined : checkReturnTo(deps.config, a.returnTo);
}

/**
 * Finds the workspace member the assertion is about: the (issuer, subject) link recorded at an
 * earlier sign-in, then the IdP's SCIM `externalId` (Okta: `sub`, the Okta user id; Entra: `oid`,
 * the object id its SCIM client sends), then the e-mail as userName or e-mail address (how
 * SCIM-provisioned users are first matched).
 */
async function findMember(users: UserRepo, a: SignInAssertion): Promise<User | undefined> {
  const teamId = a.workspace.id;
  const linked = await users.findBySubject(teamId, a.issuer, a.subject);
  if (linked) return linked;
  if (a.protocol === 'oidc') {
    const byExternal = await users.findByExternalId(teamId, a.externalId ?? a.subject);
    if (byExternal) return byExternal;
  }
  if (a.email) return users.findByEmail(teamId, a.email);
  return undefined;
}

/** Unknown users are created just in time when the workspace allows it; otherwise refused. */
async function provisionIfAllowed(deps: Deps, req: HttpRequest, users: UserRepo, a: SignInAssertion, policy: SignInPolicy): Promise<User> {
  const idp = idpLabel(a.connection);
  if (!policy.jit) {
    throw new SignInRefused(
      'user_not_provisioned',
      `${a.email ?? a.subject} signed in to ${idp}, but no such user is provisioned in workspace "${a.workspace.name}" and Just-in-time provisioning is off.`,
    );
  }
  if (!a.email || !EMAIL.test(a.email)) {
    throw new SignInRefused('email_missing', `${idp} sent no usable email address, so the account cannot be created just in time.`);
  }
  // `okta:jit`, `entra:jit`, …: who created the user, by preset (core/audit.ts actor types).
  const actor: Actor = { type: `${a.connection.preset}:jit`, id: a.issuer, label: `${idp} just-in-time provisioning` };
  const ctx = auditContextFrom(req, a.workspace.id, deps.config.REGION_ID, actor);
  const user = await users.createJit(ctx, a.workspace, {
    userName: a.email,
    email: a.email,
    ...(a.givenName ? { givenName: a.givenName } : {}),
    ...(a.familyName ? { familyName: a.familyName } : {}),
    ...(a.displayName ? { displayName: a.displayName } : {}),
    ...(a.groups && a.groups.length > 0 ? { groups: [...a.groups] } : {}),
  });
  // Its `user.created` event left with the audit record of the creation (the outbox).
  return user;
}

/** SCIM-deactivated users are refused: the IdP unassigned or deactivated them (seed 000 testing step 5). */
function checkActive(user: User, a: SignInAssertion): void {
  if (!user.active) {
    throw new SignInRefused('user_deactivated', `The account ${user.userName} in workspace "${a.workspace.name}" is deactivated.`, { userId: user.id });
  }
}

// ---- the core ----------------------------------------------------------------------------------

/**
 * Signs a user in after a protocol adapter validated the IdP's response. Checks, in order: sign-in
 * enabled; destination allowed; user found (link, Okta id, e-mail) or created just in time; user
 * active. Then records the (issuer, subject) link, computes roles (workspace default, SCIM roles
 * and groups, and the assertion's groups through the role mappings), creates the session and
 * redirects:
 *
 * - to the host app: `{APP_URL}/auth/callback?code=…` with a one-time code (60 s, single use) that
 *   `POST /api/sso/token` exchanges for the session token;
 * - to a bridge-internal `returnTo`: with the session in the HttpOnly `idpb_session` cookie.
 *
 * The session, the code and the audit records (`sso.signed_in`, and `sso.email_unverified` as a
 * warning when Okta says the e-mail is unverified, seed 003) are written in one transaction.
 * Every refusal is rendered as a page naming cause and fix, and audited as `sso.sign_in_refused`.
 */
export async function completeSignIn(deps: Deps, req: HttpRequest, a: SignInAssertion): Promise<HttpResponse> {
  const about: RefusalSubject = {
    teamId: a.workspace.id,
    protocol: a.protocol,
    issuer: a.issuer,
    subject: a.subject,
    connectionId: a.connection.id,
    ...(a.email ? { email: a.email } : {}),
  };
  try {
    const policy = checkSignInEnabled(a);
    const destination = checkDestination(deps, a);
    const { users } = deps.repos;
    const found = await findMember(users, a);
    const user = found ?? (await provisionIfAllowed(deps, req, users, a, policy));
    checkActive(user, a);
    return await startSession(deps, req, a, user, destination, found === undefined);
  } catch (err) {
    // The connection's preset words the fix in its IdP's console terms (signin/refusals.ts).
    return refusalResponse(deps, req, err, about, { hints: { preset: a.connection.preset } });
  }
}

async function startSession(
  deps: Deps,
  req: HttpRequest,
  a: SignInAssertion,
  user: User,
  destination: string | undefined,
  createdJustInTime: boolean,
): Promise<HttpResponse> {
  const teamId = a.workspace.id;
  const actor: Actor = { type: 'user', id: user.id, label: user.userName };
  const ctx: AuditContext = auditContextFrom(req, teamId, deps.config.REGION_ID, actor);
  const { users } = deps.repos;
  await users.linkSubject(ctx, teamId, user.id, a.issuer, a.subject);

  const access = effectiveAccess(a.workspace, { scimRoles: user.scimRoles, groups: user.groups }, a.groups ?? []);
  const audience = destination === undefined ? 'app' : 'bridge';
  const ttl = audience === 'app' ? APP_SESSION_TTL_SECONDS : BRIDGE_SESSION_TTL_SECONDS;
  const now = deps.now();
  const meta: SessionMeta = {
    username: user.userName,
    ...(a.email ? { email: a.email } : {}),
    roles: access.roles,
    grants: access.grants,
    protocol: a.protocol,
    issuer: a.issuer,
    subject: a.subject,
    audience,
  };
  const hasher = await deps.hasher();
  const tokens = await deps.repos.tokens();
  const session = tokens.prepare({
    kind: 'session',
    teamId,
    userId: user.id,
    label: `${a.protocol.toUpperCase()} sign-in`,
    expiresAt: new Date(now.getTime() + ttl * 1000),
    meta: { ...meta },
  });

  // The user must still exist and be active when the session commits: a deactivation that
  // commits between the read above and this write makes the sign-in fail instead of leaving a
  // session minted after the revocation marker (review #2a).
  const items: TransactItem[] = [session.put, UserRepo.activeCheck(teamId, user.id)];
  let code: string | undefined;
  if (audience === 'app') {
    const minted = hasher.code();
    code = minted.code;
    items.push(
      TokenRepo.ssoCodePut(minted.hash, {
        teamId,
        userId: user.id,
        sessionId: session.record.id,
        // The session token, readable only with the code (see sso-code.ts); never in clear.
        sealed: sealWithCode(minted.code, session.token),
        expiresAtSeconds: Math.floor(now.getTime() / 1000) + SSO_CODE_TTL_SECONDS,
      }),
    );
  }
  items.push(
    auditPut(ctx, {
      action: 'sso.signed_in',
      target: { type: 'user', id: user.id },
      after: {
        protocol: a.protocol,
        connectionId: a.connection.id,
        issuer: a.issuer,
        subject: a.subject,
        email: a.email ?? null,
        roles: access.roles,
        grants: access.grants,
        // Bounded: an audit item must stay far below DynamoDB's 400 KB item limit.
        groups: (a.groups ?? []).slice(0, 100),
        // Entra's groups overage: the token named no groups, roles come from SCIM memberships only.
        ...(a.groupsOverage ? { groupsOverage: true } : {}),
        sessionId: session.record.id,
        destination: destination ?? 'app',
        createdJustInTime,
      },
    }),
  );
  if (a.emailVerified === false) {
    // Seed 003: an unverified Okta email no longer blocks sign-in, but it is logged for the audit trail.
    const okta = a.connection.preset === 'okta';
    items.push(
      auditPut(ctx, {
        action: 'sso.email_unverified',
        target: { type: 'user', id: user.id },
        after: {
          warning: okta ? 'okta_email_unverified' : 'email_unverified',
          email: a.email ?? null,
          fix: okta
            ? 'In Okta admin, send the user a password reset: that flips emailVerified to true on the next sign-in.'
            : `Have ${idpLabel(a.connection)} verify the user's e-mail address.`,
        },
      }),
    );
  }
  items.push(...(a.alsoCommit ?? []));
  try {
    await tokens.commitSignIn(items);
  } catch (err) {
    if (err instanceof ConditionFailed && err.failedIndexes.includes(1)) {
      throw new SignInRefused('user_deactivated', `The account ${user.userName} in workspace "${a.workspace.name}" is deactivated.`, { userId: user.id });
    }
    throw err;
  }

  if (destination !== undefined) return redirect(returnToUrl(deps.config, destination), [sessionCookie(deps.config, session.token, ttl)]);
  const next = a.appPath && /^\/(?![/\\])/.test(a.appPath) ? `&next=${encodeURIComponent(a.appPath)}` : '';
  return redirect(`${deps.config.APP_URL}/auth/callback?code=${encodeURIComponent(code!)}${next}`);
}
