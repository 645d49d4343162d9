/**
 * What the local Okta org does to the bridge when an Okta admin acts, with Okta's own request
 * shapes (docs/reference/okta-protocols.md §1, §2):
 *
 * - **Provision** (assign the app to the user, Push Groups): `GET /Users?filter=userName eq "…"`,
 *   then `POST /Users` with Okta's body (`externalId` = the Okta user id, a random `password`) —
 *   or, for a user that exists but was deactivated, the reactivation PATCH; then for each group
 *   `GET /Groups?filter=displayName eq "…"`, `POST /Groups` when unknown, and one membership
 *   `PATCH` (add member + Okta's rename op). Repeating it changes nothing.
 * - **Deactivate** (unassign): the path-less `PATCH {"active": false}` (Okta never DELETEs users).
 * - **Universal Logout** ("Clear User Sessions"): a Global Token Revocation request, a JWT signed
 *   with the org key (`typ: global-token-revocation+jwt`, `sub` = the OIDC client id, `aud` = the
 *   endpoint) and the user as an `email` subject identifier.
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { OktaStandin, StandinUser } from '../okta-standin/index.js';
import { call, type CallResult, type RecordedCall } from './calls.js';

export type OktaActionName = 'provision' | 'deactivate' | 'universal-logout';

/** The outcome of one Okta action, as the control page shows it. */
export interface OktaActionResult {
  readonly action: OktaActionName;
  /** When it ran (ISO 8601). */
  readonly at: string;
  /** True when every call answered as Okta expects (2xx). */
  readonly ok: boolean;
  /** One sentence for humans. */
  readonly summary: string;
  readonly calls: readonly RecordedCall[];
}

/** What the actions need to know about the org, the app and the workspace. */
export interface OktaActionContext {
  /** Base URL of the bridge (no trailing slash). */
  readonly apiUrl: string;
  readonly teamId: string;
  /** The OIDC app's client id: the `sub` of Universal Logout JWTs. */
  readonly clientId: string;
  readonly user: StandinUser;
  readonly org: Pick<OktaStandin, 'sign'>;
  /** The current SCIM bearer token. */
  scimToken(): string;
  /** Mints a new SCIM token when the bridge refuses the stored one (revoked, workspace reset); returns its call. */
  renewScimToken(): Promise<RecordedCall>;
}

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const GTR_TYP = 'global-token-revocation+jwt';
export const UNIVERSAL_LOGOUT_PATH = '/api/okta/universal-logout';

interface ScimListResponse<T> {
  totalResults?: number;
  Resources?: T[];
}
interface ScimUser {
  id: string;
  userName: string;
  active?: boolean;
}
interface ScimGroup {
  id: string;
  displayName: string;
}

const is2xx = (status: number): boolean => status >= 200 && status < 300;
const userLogin = (u: StandinUser): string => u.login ?? u.email;
const eqFilter = (attr: string, value: string): string => `filter=${encodeURIComponent(`${attr} eq "${value.replace(/["\\]/g, (c) => `\\${c}`)}"`)}`;

/** A SCIM client as Okta's (its User-Agent, bearer auth), recording every call; renews a refused token once. */
function scimClient(ctx: OktaActionContext, calls: RecordedCall[]) {
  const base = `${ctx.apiUrl}/api/scim/v2/${ctx.teamId}`;
  let renewed = false;
  return async <T>(method: string, path: string, body?: unknown): Promise<CallResult<T>> => {
    const send = () =>
      call<T>(method, `${base}${path}`, {
        bearer: ctx.scimToken(),
        headers: { accept: 'application/scim+json', 'user-agent': 'Okta SCIM Client 1.0.0' },
        ...(body !== undefined ? { body } : {}),
      });
    let res = await send();
    if (res.status === 401 && !renewed) {
      renewed = true;
      calls.push(res.call);
      calls.push(await ctx.renewScimToken());
      res = await send();
    }
    calls.push(res.call);
    return res;
  };
}

/** Okta's "find, then create or reactivate" of a user on assignment; undefined when a call failed. */
async function provisionUser(ctx: OktaActionContext, scim: ReturnType<typeof scimClient>): Promise<{ user: ScimUser; change: string } | undefined> {
  const u = ctx.user;
  const login = userLogin(u);
  const found = await scim<ScimListResponse<ScimUser>>('GET', `/Users?${eqFilter('userName', login)}&startIndex=1&count=100`);
  // Okta reads "no such user" from an empty ListResponse or a 404.
  if (found.status !== 200 && found.status !== 404) return undefined;
  const existing = found.status === 200 ? found.json?.Resources?.[0] : undefined;
  if (existing) {
    if (existing.active !== false) return { user: existing, change: `${login} was already provisioned` };
    const reactivated = await scim<ScimUser>('PATCH', `/Users/${encodeURIComponent(existing.id)}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    return is2xx(reactivated.status) ? { user: { ...existing, active: true }, change: `reactivated ${login}` } : undefined;
  }
  const name = { givenName: u.givenName ?? login.split('@')[0]!, familyName: u.familyName ?? '' };
  const created = await scim<ScimUser>('POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: login,
    name,
    emails: [{ primary: true, value: u.email, type: 'work' }],
    displayName: u.name ?? [name.givenName, name.familyName].filter(Boolean).join(' '),
    locale: 'en-US',
    externalId: u.id,
    groups: [],
    // Okta sends a random password even without password sync ("not sensitive").
    password: `${randomBytes(12).toString('base64url')}aA1!`,
    active: true,
  });
  return created.status === 201 && created.json ? { user: created.json, change: `created ${login}` } : undefined;
}

/** Okta Push Groups for one group: look it up by name, create it when unknown, add the member. */
async function pushGroup(scim: ReturnType<typeof scimClient>, displayName: string, member: ScimUser): Promise<boolean> {
  const found = await scim<ScimListResponse<ScimGroup>>('GET', `/Groups?${eqFilter('displayName', displayName)}&startIndex=1&count=100`);
  if (found.status !== 200 && found.status !== 404) return false;
  let group = found.status === 200 ? found.json?.Resources?.[0] : undefined;
  if (!group) {
    const created = await scim<ScimGroup>('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName, members: [] });
    if (created.status !== 201 || !created.json) return false;
    group = created.json;
  }
  const patched = await scim('PATCH', `/Groups/${encodeURIComponent(group.id)}`, {
    schemas: [PATCH_OP],
    Operations: [
      { op: 'add', path: 'members', value: [{ value: member.id, display: member.userName }] },
      // Okta re-sends the group's name with every membership update.
      { op: 'replace', value: { id: group.id, displayName } },
    ],
  });
  return is2xx(patched.status);
}

/** Assign the app to the user and push their groups (idempotent). */
export async function provision(ctx: OktaActionContext): Promise<OktaActionResult> {
  const calls: RecordedCall[] = [];
  const scim = scimClient(ctx, calls);
  const at = new Date().toISOString();
  const done = await provisionUser(ctx, scim);
  if (!done) return { action: 'provision', at, ok: false, summary: 'Provisioning failed: see the answers below.', calls };
  const groups = ctx.user.groups ?? [];
  for (const g of groups) {
    if (!(await pushGroup(scim, g, done.user))) {
      return { action: 'provision', at, ok: false, summary: `Pushing group ${g} failed: see the answers below.`, calls };
    }
  }
  const pushed = groups.length > 0 ? ` and pushed ${groups.join(', ')}` : '';
  return { action: 'provision', at, ok: true, summary: `Okta ${done.change}${pushed}. Sign-in now works.`, calls };
}

/** Unassign the app from the user: Okta's path-less deactivation PATCH. */
export async function deactivate(ctx: OktaActionContext): Promise<OktaActionResult> {
  const calls: RecordedCall[] = [];
  const scim = scimClient(ctx, calls);
  const at = new Date().toISOString();
  const login = userLogin(ctx.user);
  // Okta remembers our id from the create; the stand-in looks it up instead.
  const found = await scim<ScimListResponse<ScimUser>>('GET', `/Users?${eqFilter('userName', login)}&startIndex=1&count=100`);
  const existing = found.status === 200 ? found.json?.Resources?.[0] : undefined;
  if (!existing) {
    const summary = found.status === 200 || found.status === 404 ? `${login} is not provisioned: Okta has nothing to deactivate.` : 'The user lookup failed: see the answer below.';
    return { action: 'deactivate', at, ok: false, summary, calls };
  }
  const res = await scim('PATCH', `/Users/${encodeURIComponent(existing.id)}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', value: { active: false } }],
  });
  const ok = is2xx(res.status);
  return { action: 'deactivate', at, ok, summary: ok ? `Okta deactivated ${login}: sign-in is refused and their sessions end.` : 'Deactivation failed: see the answer below.', calls };
}

/** "Clear User Sessions" with Universal Logout: a signed Global Token Revocation request. */
export async function universalLogout(ctx: OktaActionContext): Promise<OktaActionResult> {
  const at = new Date().toISOString();
  const endpoint = `${ctx.apiUrl}${UNIVERSAL_LOGOUT_PATH}`;
  const iat = Math.floor(Date.now() / 1000);
  // Okta's claims: iss = the org, sub = the app's client id, aud = the endpoint, 5 minutes either side.
  const jwt = await ctx.org.sign({ sub: ctx.clientId, aud: endpoint, iat, nbf: iat - 300, exp: iat + 300 }, { typ: GTR_TYP });
  const body = { sub_id: { format: 'email', email: ctx.user.email } };
  const res = await call('POST', endpoint, {
    headers: { authorization: `Bearer ${jwt}` },
    body,
    shown: { authorization: { 'Bearer (signed JWT)': { header: decodeProtectedHeader(jwt), payload: decodeJwt(jwt) } }, body },
  });
  const summary =
    res.status === 204
      ? `Accepted (204): every session and token of ${ctx.user.email} is revoked. Check the session in the demo app.`
      : res.status === 404
        ? `The bridge knows no ${ctx.user.email} in this workspace (404): provision the user first.`
        : `Refused (${res.status}): see the answer below.`;
  return { action: 'universal-logout', at, ok: res.status === 204, summary, calls: [res.call] };
}
