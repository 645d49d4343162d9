import { createHash } from 'node:crypto';
import { auditContextFrom } from '../platform/http.js';
import type { Actor } from '../core/audit.js';
import type { Deps } from '../platform/deps.js';
import { AppError, NotFound } from '../core/errors.js';
import { bearerToken, type HttpRequest, type HttpResponse } from '../platform/http.js';
import { issuerKeySets, KeySetUnavailable, type IssuerKeySets } from '../platform/jwks.js';
import type { App } from '../platform/lambda.js';
import { refusalOf, respondRefused, withRefusal } from '../core/refusals.js';
import type { Workspace } from '../core/model/workspace.js';
import { router } from '../platform/router.js';
import { TokenCheckFailed, type CheckName } from './checks/errors.js';
import { JtiReplayed } from './checks/replay.js';
import { normalizeIssuer, type OidcConnection } from '../core/model/connection.js';
import { checkSubject, oidcConnectionsTo, setClaimants, type Claimant } from './checks/subject.js';
import { samlCertificateKeys } from './saml-keys.js';
import { GTR_TYP, SET_TYP } from './checks/typ.js';
import { logOutUser, type LogoutMode, type LogoutResult } from './revoke.js';
import { parseLogoutBody } from './schemas.js';
import { SET_MAX_AGE_SECONDS, SetRejected, sessionRevokedEvents, setErrorResponse } from './ssf.js';
import { resolveUsers, type UserLookup } from './subjects.js';
import { userLookup } from './users.js';
import { verifySignedJwt, type VerifiedJwt, type VerifyEnv, type VerifyFacts, type VerifyPolicy } from './verify.js';

export const UNIVERSAL_LOGOUT_PATH = '/api/okta/universal-logout';
export const SSF_EVENTS_PATH = '/api/okta/ssf/events';

/** The refusal cause of each failed check (`withRefusal`), after the endpoint's area (`logout.`/`ssf.`). */
const CHECK_CAUSES: Record<CheckName, string> = {
  checkBearer: 'bearer_missing',
  checkTyp: 'typ_invalid',
  checkAlg: 'alg_refused',
  checkIssuer: 'issuer_unknown',
  checkSubject: 'subject_unknown',
  checkSignature: 'signature_invalid',
  checkAudience: 'audience_invalid',
  checkTimes: 'times_invalid',
  checkNotReplayed: 'replayed',
};

/** What a `jti` is bound to: the endpoint and the whole body (a retry of the same request hashes alike). */
function requestHash(req: HttpRequest): string {
  return createHash('sha256').update(`${req.path}\n${req.body}`).digest('base64url');
}

/**
 * What a Universal Logout revokes in one workspace: `partial` when the OIDC connection the token
 * names has Okta's partial-support switch on (every one, if several: a logout errs on revoking).
 * A SAML app's token follows the workspace's OIDC connection(s) to the same org, as the one switch
 * did before connections; with none, `full`.
 */
export function logoutModeOf(c: Claimant, issuer: string): LogoutMode {
  const named = c.connections.filter((x): x is OidcConnection => x.protocol === 'oidc');
  const switches = named.length > 0 ? named : oidcConnectionsTo(c.workspace, issuer);
  return switches.length > 0 && switches.every((x) => x.partialLogout) ? 'partial' : 'full';
}

/** Longest Universal Logout JWT lifetime accepted: Okta sends 5 minutes; the replay guard keeps jtis this long. */
const GTR_MAX_LIFETIME_SECONDS = 3600;

export interface UniversalLogoutOptions {
  /** Key sets per issuer; default the process-wide cache (`issuerKeySets`). Tests pass their own. */
  readonly keySets?: IssuerKeySets;
}

/**
 * Okta Universal Logout (Global Token Revocation, draft-parecki-oauth-global-token-revocation) and
 * its Shared Signals sibling (CAEP session-revoked SETs pushed per RFC 8935).
 */
export function createUniversalLogoutApp(deps: Deps, opts: UniversalLogoutOptions = {}): App {
  const { workspaces, audit, logoutJtis: jtis } = deps.repos;
  const users: UserLookup = userLookup(deps.repos.users);
  const keySets = opts.keySets ?? issuerKeySets({ allowHttpLoopback: deps.config.LOCAL_MODE });
  const tokens = () => deps.repos.tokens();

  const env: VerifyEnv = {
    /** Issuer lookup items, then every workspace in one batch read. */
    async loadWorkspaces(issuer) {
      const ids = await workspaces.findByIssuer(issuer);
      return workspaces.getMany(ids);
    },
    // Each key source is one workspace's own trust: the JWKS of the org its OIDC connection names,
    // or its own SAML certificates (review #1: never a union over several workspaces).
    keysOf: (source) => (source.kind === 'org-jwks' ? keySets.forIssuer(source.issuer) : samlCertificateKeys(source.certificates)),
    jtis,
    now: deps.now,
  };

  /**
   * Verifies a signed JWT; an unreachable key set is logged (when no claimant verified, the caller
   * gets a retryable 503; otherwise that workspace is just not acted in, and its admin must fix it).
   */
  async function verify(jwt: string, policy: VerifyPolicy, facts: VerifyFacts): Promise<VerifiedJwt> {
    try {
      const v = await verifySignedJwt(jwt, env, policy, facts);
      for (const u of v.unavailable) deps.logger.warn('key set of a matching workspace unavailable', { teamId: u.teamId, error: u.error, cause: u.error.cause as Error });
      return v;
    } catch (err) {
      if (err instanceof KeySetUnavailable) deps.logger.error('identity provider key set unavailable', { error: err, cause: err.cause as Error });
      throw err;
    }
  }

  /**
   * Attaches the refusal facts to a 4xx (docs/reference/DESIGN.md: every refusal is traced): the claimed issuer,
   * subject and jti, and the target workspace when exactly one was matched (several: all of them
   * in the detail, none chosen).
   */
  function refused(area: 'logout' | 'ssf', err: unknown, facts: VerifyFacts): unknown {
    if (!(err instanceof AppError) || err.status >= 500) return err;
    const cause =
      err instanceof TokenCheckFailed ? CHECK_CAUSES[err.check] : err instanceof SetRejected ? err.refusalCause : err instanceof NotFound ? 'user_unknown' : 'request_invalid';
    const detail = {
      issuer: facts.issuer ?? null,
      sub: facts.sub ?? null,
      ...(facts.jti !== undefined ? { jti: facts.jti } : {}),
      ...(facts.teamIds.length > 1 ? { teamIds: facts.teamIds } : {}),
    };
    return withRefusal(err, { ...(facts.teamIds.length === 1 ? { teamId: facts.teamIds[0]! } : {}), cause: `${area}.${cause}`, detail });
  }

  /**
   * Runs `work` for a verified request unless the same request was fully processed before (its
   * duplicate is answered like the original and changes nothing), then marks the claim done. A
   * failure — an outage included — leaves the claim unfinished, so the transmitter's retry of the
   * same request is processed again and converges: every step of `work` is idempotent. No release
   * step: it would be lost in the very outage that failed the request.
   */
  async function processOnce(v: VerifiedJwt, work: () => Promise<HttpResponse>, duplicate: HttpResponse): Promise<HttpResponse> {
    if (v.replay === 'done') return duplicate;
    const res = await work();
    await jtis.complete(v.issuer, v.jti);
    return res;
  }

  /** Logs out each user in its workspace; each logout's event leaves with its audit record (one per user). */
  async function logOut(req: HttpRequest, actor: Actor, targets: { w: Workspace; userIds: string[]; mode: LogoutMode }[]) {
    const repos = { tokens: await tokens(), audit };
    const results: { r: LogoutResult; mode: LogoutMode }[] = await Promise.all(
      targets.flatMap(({ w, userIds, mode }) =>
        userIds.map(async (userId) => ({ r: await logOutUser(repos, auditContextFrom(req, w.id, deps.config.REGION_ID, actor), userId, mode), mode })),
      ),
    );
    return results;
  }

  /**
   * `POST /api/okta/universal-logout`. Status order of the draft (§4) and Okta's guide: 401 (the
   * signed JWT fails a check) → 400 (body) → 404 (no such user) → 204 (revoked). 403 and 422 are
   * never needed: a valid JWT may log out any user of its workspace, and revocation cannot be
   * refused. Okta reads only the status; the JSON body is for humans.
   */
  async function universalLogout(req: HttpRequest, facts: VerifyFacts): Promise<HttpResponse> {
    const jwt = bearerToken(req);
    if (!jwt) throw new TokenCheckFailed('checkBearer', 'Send the signed JWT as Authorization: Bearer <JWT> (Okta: authentication method SIGNED_JWT).');
    const verified = await verify(
      jwt,
      {
        typ: GTR_TYP,
        audience: `${deps.config.API_URL}${UNIVERSAL_LOGOUT_PATH}`,
        times: { requireExp: true, maxLifetimeSeconds: GTR_MAX_LIFETIME_SECONDS },
        claimants: (unverified, issuer, workspaces) => checkSubject(unverified.sub, { issuer, workspaces }),
        // The body names the user and is not signed: the jti is bound to it.
        requestHash: requestHash(req),
      },
      facts,
    );
    const loggedOut: HttpResponse = { status: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    return processOnce(verified, async () => {
      const subject = parseLogoutBody(req.body);
      const targets = (
        await Promise.all(
          verified.claimants.map(async (c) => ({ w: c.workspace, userIds: await resolveUsers(users, c.workspace, subject), mode: logoutModeOf(c, verified.issuer) })),
        )
      ).filter((t) => t.userIds.length > 0);
      if (targets.length === 0) throw new NotFound(`No user of this workspace matches the ${subject.format} subject.`);
      const actor: Actor = { type: 'okta:universal-logout', id: verified.jti, label: verified.issuer };
      await logOut(req, actor, targets);
      return loggedOut;
    }, loggedOut);
  }

  /**
   * `POST /api/okta/ssf/events`: a Security Event Token pushed per RFC 8935. Verified like a logout
   * JWT (typ `secevent+jwt`, org JWKS, `aud` = this URL, `jti` de-duplicated); a duplicate delivery
   * is acknowledged again without reprocessing. Only workspaces with an OIDC connection to the
   * transmitter that has `sharedSignalsEnabled` act on it. Unknown users and other event types are acknowledged too (RFC 8935 §2.3: errors
   * are for SETs that cannot be parsed or validated, not for event outcomes).
   */
  async function sharedSignals(req: HttpRequest, facts: VerifyFacts): Promise<HttpResponse> {
    const accepted: HttpResponse = { status: 202, headers: { 'cache-control': 'no-store' }, body: '' };
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/secevent+jwt') {
      throw new SetRejected('invalid_request', 'Send the SET with Content-Type: application/secevent+jwt (RFC 8935 §2.1).', { refusalCause: 'content_type_invalid' });
    }
    let verified: VerifiedJwt;
    try {
      verified = await verify(
        req.body.trim(),
        {
          typ: SET_TYP,
          audience: `${deps.config.API_URL}${SSF_EVENTS_PATH}`,
          times: { requireExp: false, maxLifetimeSeconds: SET_MAX_AGE_SECONDS },
          claimants: (_unverified, issuer, connected) => {
            const claimants = setClaimants(issuer, connected);
            if (claimants.length === 0) throw new TokenCheckFailed('checkIssuer', `No workspace has an OIDC connection to ${issuer}; Shared Signals needs one.`, 'invalid_issuer');
            return claimants;
          },
          // Refusals the transmitter may retry once fixed are decided here, before the jti is
          // consumed, so the retry of the same SET is processed, not acknowledged as a duplicate
          // (review #11). A malformed SET is refused here too: it never consumes its jti.
          accept: (claimants, claims) => {
            sessionRevokedEvents(claims);
            const enabled = claimants.filter((c) => c.connections.some((x) => x.protocol === 'oidc' && x.sharedSignalsEnabled));
            if (enabled.length === 0) {
              throw new SetRejected('access_denied', `No workspace connected to ${normalizeIssuer(String(claims.iss))} has Shared Signals enabled.`, { refusalCause: 'disabled' });
            }
            return enabled;
          },
          requestHash: requestHash(req),
        },
        facts,
      );
    } catch (err) {
      if (err instanceof JtiReplayed) return accepted;
      throw err;
    }
    return processOnce(verified, async () => {
      const enabled = verified.workspaces;
      const { revoked, ignored } = sessionRevokedEvents(verified.claims);
      if (ignored.length > 0) deps.logger.info('ignored SET events', { issuer: verified.issuer, jti: verified.jti, ignored });
      const targets: { w: Workspace; userIds: string[]; mode: LogoutMode }[] = [];
      for (const event of revoked) {
        for (const w of enabled) {
          const userIds = await resolveUsers(users, w, event.subject);
          if (userIds.length > 0) targets.push({ w, userIds, mode: 'sessions' });
        }
      }
      if (targets.length > 0) await logOut(req, { type: 'okta:ssf', id: verified.jti, label: verified.issuer }, targets);
      return accepted;
    }, accepted);
  }

  const routes = router([
    [
      'POST',
      UNIVERSAL_LOGOUT_PATH,
      async (req) => {
        const facts: VerifyFacts = { teamIds: [] };
        try {
          return await universalLogout(req, facts);
        } catch (err) {
          throw refused('logout', err, facts);
        }
      },
    ],
    [
      'POST',
      SSF_EVENTS_PATH,
      async (req) => {
        const facts: VerifyFacts = { teamIds: [] };
        try {
          return await sharedSignals(req, facts);
        } catch (err) {
          // RFC 8935 §2.4 answers in its own envelope, so the refusal facts ride on the response.
          const traced = refused('ssf', err, facts);
          const rendered = setErrorResponse(traced);
          if (!rendered) throw err;
          const known = refusalOf(traced);
          return known ? respondRefused(rendered, known) : rendered;
        }
      },
    ],
  ]);
  return routes;
}
