/**
 * A local Okta org — or, with `flavor: 'entra'`, a local Microsoft Entra ID tenant — for tests and
 * the local demo: oidc-provider configured the way an Okta org's **org authorization server** looks
 * to an OIN app (docs/reference/okta-protocols.md §5):
 *
 * - issuer at the root (`http://127.0.0.1:<port>`, like `https://{org}`), Okta's endpoint paths
 *   (`/oauth2/v1/authorize`, `/token`, `/userinfo`, `/keys`, `/logout`), RS256 ID tokens;
 * - a web-application client with `client_secret_basic`, authorization code + PKCE, scopes
 *   `openid email profile`, no refresh tokens;
 * - ID tokens carrying the profile claims and a `groups` claim (Okta's app-level groups claim
 *   filter), userinfo with email, name and groups;
 * - app assignments: a user not assigned to the client gets Okta's
 *   `access_denied` / "User is not assigned to the client application." at the redirect URI;
 * - a dashboard tile per client (`GET /home/{clientId}`) that starts IdP-initiated login by
 *   redirecting to the client's initiate login URI with `iss` (OIDC Core §4);
 * - `sign()`: a jose signer with the org key, for Universal Logout JWTs.
 *
 * Login is a plain HTML form at `/interaction/{uid}`; a `login_hint` naming a known user signs in
 * directly (as an existing Okta session would), so headless tests need no form posts.
 *
 * The Entra flavor is shaped like Entra ID's v2 endpoints for a single-tenant app registration:
 * the issuer carries the tenant id in its path (`http://127.0.0.1:<port>/{tid}/v2.0`, like
 * `https://login.microsoftonline.com/{tid}/v2.0`; the provider is mounted there, so its endpoints
 * sit under the issuer, where Entra's sit beside it — discovery finds them either way); ID tokens
 * carry `tid`, `oid` (the object id, which Entra's SCIM sends as `externalId`), `ver: "2.0"`,
 * `preferred_username` (the UPN), `email` only for users that have one, and `groups` as object
 * ids; `sub` is pairwise (per app), as Entra's is. A user flagged `groupsOverage` gets the overage
 * form instead of `groups` (`_claim_names`/`_claim_sources` pointing at Microsoft Graph, OIDC Core
 * §5.6.2), as Entra sends past 200 groups.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTHeaderParameters, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';
import { memoryAdapter, type ClientMetadata } from './adapter.js';

/** A person in the stand-in's directory (Okta user profile). */
export interface StandinUser {
  /** Okta user id (`00u…`): the OIDC `sub`, and the SCIM `externalId` Okta sends. */
  readonly id: string;
  /** Okta username (login); defaults to the email. */
  readonly login?: string;
  readonly email: string;
  /** Okta's `email_verified`; false for admin-created users that never activated (seed 003). */
  readonly emailVerified?: boolean;
  readonly givenName?: string;
  readonly familyName?: string;
  /** Full name; defaults to "given family". */
  readonly name?: string;
  /** Okta group names sent in the `groups` claim (Entra flavor: group object ids, or names). */
  readonly groups?: readonly string[];
  /** Entra flavor: the user principal name (`upn` claim); `preferred_username` is `login` ?? this ?? `email`. */
  readonly upn?: string;
  /** Entra flavor: false leaves the `email` claim out (a user without a mailbox address). Default true. */
  readonly emailClaim?: boolean;
  /** Entra flavor: the groups overage form instead of `groups` (the user is in too many groups). */
  readonly groupsOverage?: boolean;
}

/** An OIDC web application in the org. */
export interface StandinClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  /** Okta's "Initiate login URI": the dashboard tile redirects here with `iss`. */
  readonly initiateLoginUri?: string;
  /** Users assigned to the app (Okta "Assignments"); undefined = everyone. */
  readonly assignedUserIds?: readonly string[];
}

export interface OktaStandinOptions {
  /** Port to listen on (127.0.0.1); 0 or absent picks a free one. */
  readonly port?: number;
  /** The directory; default one test user (`DEFAULT_TEST_USER`). */
  readonly users?: readonly StandinUser[];
  readonly clients?: readonly Partial<StandinClient>[];
  /** The org's private signing key (RSA JWK with `kid`); default a new one. Pass the previous one to keep keys across restarts. */
  readonly signingKey?: JWK;
  /**
   * `full` (default, like Okta): the ID token carries email, profile and groups claims.
   * `thin`: only `sub` and protocol claims (oidc-provider's default), so the RP must call userinfo.
   */
  readonly idTokenClaims?: 'full' | 'thin';
  /** `okta` (default): an Okta org at the root. `entra`: an Entra ID tenant (see the top of this file). */
  readonly flavor?: 'okta' | 'entra';
  /** Entra flavor: the tenant (directory) id in the issuer and the `tid` claim; default a new UUID. */
  readonly tenantId?: string;
}

/** Rewrites the ID token of a token response (tests inject tampered or wrongly-signed tokens). */
export type IdTokenRewriter = (idToken: string) => string | Promise<string>;

export interface OktaStandin {
  /** The org authorization server's issuer, e.g. `http://127.0.0.1:53211` (no trailing slash); Entra: `…/{tid}/v2.0`. */
  readonly issuer: string;
  readonly port: number;
  readonly flavor: 'okta' | 'entra';
  /** Entra flavor: the tenant id (`tid`); undefined for Okta. */
  readonly tenantId?: string;
  /** The org's public JSON Web Key Set (as served at `jwksUri`). */
  readonly jwks: { keys: JWK[] };
  readonly jwksUri: string;
  /** The org's private signing key (to restart with the same keys). */
  readonly signingKey: JWK;
  readonly users: ReadonlyMap<string, StandinUser>;
  /**
   * Signs a JWT with the org key (RS256, the org key's `kid`). `iss` defaults to the issuer, `iat`
   * to now, `exp` to `iat` + 5 minutes and `jti` to a random id; the header defaults can be
   * overridden (`typ`, `kid`, `alg`).
   */
  sign(payload: JWTPayload, header?: Partial<JWTHeaderParameters>): Promise<string>;
  /** Registers an OIDC web app; missing fields get Okta-like random values. */
  addClient(client?: Partial<StandinClient>): StandinClient;
  /** Adds or replaces a user. */
  addUser(user: StandinUser): void;
  /** Sets a client's assignments (undefined = everyone). */
  setAssignments(clientId: string, userIds: readonly string[] | undefined): void;
  /** The dashboard tile URL of a client (IdP-initiated login). */
  tileUrl(clientId: string): string;
  /** Installs (or with undefined removes) a rewriter for ID tokens leaving the token endpoint. */
  setIdTokenRewriter(rewriter: IdTokenRewriter | undefined): void;
  close(): Promise<void>;
}

/** The one user a stand-in has unless told otherwise. */
export const DEFAULT_TEST_USER: StandinUser = {
  id: '00u1testuser0000001',
  email: 'test.user@example.com',
  emailVerified: true,
  givenName: 'Test',
  familyName: 'User',
  groups: ['Everyone'],
};

const PATHS = {
  authorization: '/oauth2/v1/authorize',
  token: '/oauth2/v1/token',
  userinfo: '/oauth2/v1/userinfo',
  jwks: '/oauth2/v1/keys',
  end_session: '/oauth2/v1/logout',
  revocation: '/oauth2/v1/revoke',
  introspection: '/oauth2/v1/introspect',
} as const;

/** Entra ID's v2 endpoint names (relative to the mount; Microsoft's userinfo is Graph's `/oidc/userinfo`). */
const ENTRA_PATHS = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  userinfo: '/oidc/userinfo',
  jwks: '/discovery/v2.0/keys',
  end_session: '/oauth2/v2.0/logout',
  revocation: '/oauth2/v2.0/revoke',
  introspection: '/oauth2/v2.0/introspect',
} as const;

/** Okta-style object ids: a 3-character type prefix and 17 random characters. */
function oktaId(prefix: '00u' | '0oa'): string {
  return prefix + randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 17);
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Starts a local Okta org (or Entra tenant, `flavor: 'entra'`) on 127.0.0.1. */
export async function startOktaStandin(opts: OktaStandinOptions = {}): Promise<OktaStandin> {
  const entra = opts.flavor === 'entra';
  const tenantId = entra ? (opts.tenantId ?? randomUUID()) : undefined;
  /** Where the provider is mounted: Entra's issuer path, or the root. */
  const mount = entra ? `/${tenantId}/v2.0` : '';
  const paths = entra ? ENTRA_PATHS : PATHS;
  const users = new Map<string, StandinUser>();
  for (const u of opts.users ?? [DEFAULT_TEST_USER]) users.set(u.id, u);
  const clients = new Map<string, ClientMetadata>();
  const assignments = new Map<string, readonly string[] | undefined>();
  const initiateUris = new Map<string, string>();
  let rewriter: IdTokenRewriter | undefined;

  let signingKey = opts.signingKey;
  if (!signingKey) {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    signingKey = { ...(await exportJWK(privateKey)), kid: `${entra ? 'entra' : 'okta'}-${randomUUID()}`, alg: 'RS256', use: 'sig' };
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = signingKey;
  const privateKey = await importJWK(signingKey, 'RS256');

  // Listen first: the issuer must carry the real port.
  const server: Server = createServer();
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, '127.0.0.1', () => res());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const issuer = `${origin}${mount}`;

  const findUser = (hint: string): StandinUser | undefined => {
    const h = hint.trim().toLowerCase();
    for (const u of users.values()) {
      if (u.id.toLowerCase() === h || u.email.toLowerCase() === h || (u.login ?? u.email).toLowerCase() === h || u.upn?.toLowerCase() === h) return u;
    }
    return undefined;
  };

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(clients),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: paths,
    responseTypes: ['code'],
    scopes: ['openid', 'email', 'profile'],
    claims: {
      // Okta's groups claim is configured on the app (a filter), not requested as a scope; Entra's
      // `tid`, `oid` and `ver` come with `openid`.
      openid: entra ? ['sub', 'groups', 'tid', 'oid', 'ver'] : ['sub', 'groups'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at', ...(entra ? ['upn'] : [])],
    },
    ...(entra
      ? {
          // Entra's `sub` is pairwise: one user has a different `sub` in every app (its `oid` is tenant-wide).
          subjectTypes: ['public', 'pairwise'],
          pairwiseIdentifier: async (_ctx: unknown, accountId: string, client: { clientId: string }) =>
            createHash('sha256').update(`${tenantId}:${client.clientId}:${accountId}`).digest('base64url').slice(0, 43),
        }
      : {}),
    conformIdTokenClaims: opts.idTokenClaims === 'thin',
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${mount}/interaction/${interaction.uid}` },
    // An Okta admin consents on the users' behalf when assigning the app: no consent screen.
    loadExistingGrant: async (ctx: {
      oidc: { client: { clientId: string }; session: { accountId?: string; grantIdFor(id: string): string | undefined }; result?: { consent?: { grantId?: string } }; provider: Provider };
    }) => {
      const clientId = ctx.oidc.client.clientId;
      const existing = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(clientId);
      if (existing) {
        const g = await ctx.oidc.provider.Grant.find(existing);
        if (g) return g;
      }
      const grant = new ctx.oidc.provider.Grant({ accountId: ctx.oidc.session.accountId!, clientId });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(entra ? ['groups', 'tid', 'oid', 'ver', 'upn'] : ['groups']);
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx: unknown, sub: string) => {
      const u = users.get(sub);
      if (!u) return undefined;
      if (entra) return { accountId: sub, claims: async () => entraClaims(sub, u) };
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: u.email,
          email_verified: u.emailVerified ?? true,
          given_name: u.givenName,
          family_name: u.familyName,
          name: u.name ?? ([u.givenName, u.familyName].filter(Boolean).join(' ') || undefined),
          preferred_username: u.login ?? u.email,
          updated_at: 1_700_000_000,
          ...(u.groups && u.groups.length > 0 ? { groups: [...u.groups] } : {}),
        }),
      };
    },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86_400, Grant: 86_400 },
    pkce: { required: () => true },
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Okta error</title><h1>${escape(out.error ?? 'error')}</h1><p>${escape(out.error_description ?? '')}</p>`;
    },
  });

  // Okta-like post-processing of token responses: tests may swap the ID token for a forged one.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'token' || !rewriter) return;
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (body && typeof body.id_token === 'string') body.id_token = await rewriter(body.id_token);
  });

  const callback = provider.callback();

  /** Entra's ID token and userinfo claims of a user (`sub` is made pairwise by the provider). */
  function entraClaims(sub: string, u: StandinUser): Record<string, unknown> {
    const groups = u.groups && u.groups.length > 0 ? [...u.groups] : undefined;
    return {
      sub,
      tid: tenantId,
      oid: u.id,
      ver: '2.0',
      ...(u.emailClaim === false ? {} : { email: u.email }),
      given_name: u.givenName,
      family_name: u.familyName,
      name: u.name ?? ([u.givenName, u.familyName].filter(Boolean).join(' ') || undefined),
      preferred_username: u.login ?? u.upn ?? u.email,
      ...(u.upn ? { upn: u.upn } : {}),
      ...(u.groupsOverage
        ? {
            _claim_names: { groups: 'src1' },
            _claim_sources: { src1: { endpoint: `https://graph.microsoft.com/v1.0/users/${u.id}/getMemberObjects` } },
          }
        : groups
          ? { groups }
          : {}),
    };
  }

  const finish = (req: IncomingMessage, res: ServerResponse, clientId: string, user: StandinUser) => {
    const assigned = assignments.get(clientId);
    if (assigned && !assigned.includes(user.id)) {
      // Exactly what Okta sends to the redirect URI for an unassigned user.
      return provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'User is not assigned to the client application.',
      });
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
  };

  const loginForm = (uid: string, message = ''): string =>
    `<!doctype html><html><head><title>${entra ? 'Entra ID' : 'Okta'} sign-in (local stand-in)</title></head><body>
<h1>Sign in (local ${entra ? 'Entra ID' : 'Okta'} stand-in)</h1>${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="${mount}/interaction/${escape(uid)}/login">
<label>Username <input name="username" autocomplete="username" autofocus></label>
<button type="submit">Sign in</button></form>
<p>Users: ${[...users.values()].map((u) => escape(u.login ?? u.email)).join(', ')}</p></body></html>`;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      if (mount) {
        // Mounted below the issuer's path: oidc-provider finds its mount from originalUrl vs url.
        if (url.pathname !== mount && !url.pathname.startsWith(`${mount}/`)) {
          res.writeHead(404).end();
          return;
        }
        (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
        req.url = (req.url ?? '/').slice(mount.length) || '/';
      }
      const path = url.pathname.slice(mount.length);
      const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(path);
      const tile = /^\/home\/([^/]+)$/.exec(path);
      if (m) {
        const details = await provider.interactionDetails(req, res);
        const clientId = String(details.params.client_id ?? '');
        if (req.method === 'POST' && m[2]) {
          const form = await readForm(req);
          const user = findUser(form.get('username') ?? '');
          if (!user) {
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm(details.uid, 'Unable to sign in.'));
            return;
          }
          return finish(req, res, clientId, user);
        }
        const hint = typeof details.params.login_hint === 'string' ? findUser(details.params.login_hint) : undefined;
        if (hint) return finish(req, res, clientId, hint);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm(details.uid));
        return;
      }
      if (tile && req.method === 'GET') {
        const target = initiateUris.get(decodeURIComponent(tile[1]!));
        if (!target) {
          res.writeHead(404).end();
          return;
        }
        const to = new URL(target);
        to.searchParams.set('iss', issuer);
        res.writeHead(302, { location: to.href }).end();
        return;
      }
      callback(req, res);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(err instanceof Error ? err.message : 'error');
    });
  });

  const addClient = (c: Partial<StandinClient> = {}): StandinClient => {
    const client: StandinClient = {
      // Entra's application (client) ids are GUIDs.
      clientId: c.clientId ?? (entra ? randomUUID() : oktaId('0oa')),
      clientSecret: c.clientSecret ?? randomBytes(30).toString('base64url'),
      redirectUris: c.redirectUris ?? [],
      ...(c.postLogoutRedirectUris ? { postLogoutRedirectUris: c.postLogoutRedirectUris } : {}),
      ...(c.initiateLoginUri ? { initiateLoginUri: c.initiateLoginUri } : {}),
      ...(c.assignedUserIds ? { assignedUserIds: c.assignedUserIds } : {}),
    };
    clients.set(client.clientId, {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: [...client.redirectUris],
      post_logout_redirect_uris: [...(client.postLogoutRedirectUris ?? [])],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      ...(entra ? { subject_type: 'pairwise' } : {}),
    });
    assignments.set(client.clientId, client.assignedUserIds);
    // Kept out of the client metadata: oidc-provider wants an https initiate_login_uri, and the tile is ours anyway.
    if (client.initiateLoginUri) initiateUris.set(client.clientId, client.initiateLoginUri);
    return client;
  };
  for (const c of opts.clients ?? []) addClient(c);

  return {
    issuer,
    port,
    flavor: entra ? 'entra' : 'okta',
    ...(tenantId ? { tenantId } : {}),
    jwks: { keys: [publicJwk] },
    jwksUri: `${issuer}${paths.jwks}`,
    signingKey,
    users,
    async sign(payload, header = {}) {
      const iat = payload.iat ?? Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, jti: randomUUID(), exp: iat + 300, ...payload, iat })
        .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid!, ...header })
        .sign(privateKey);
    },
    addClient,
    addUser(user) {
      users.set(user.id, user);
    },
    setAssignments(clientId, userIds) {
      assignments.set(clientId, userIds);
    },
    tileUrl: (clientId) => `${issuer}/home/${encodeURIComponent(clientId)}`,
    setIdTokenRewriter(r) {
      rewriter = r;
    },
    close: () =>
      new Promise<void>((res, rej) => {
        server.close((err) => (err ? rej(err) : res()));
        server.closeAllConnections();
      }),
  };
}
