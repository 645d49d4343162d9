import { auditContextFrom } from '../platform/http.js';
import type { Deps } from '../platform/deps.js';
import type { HttpRequest, HttpResponse } from '../platform/http.js';
import type { App } from '../platform/lambda.js';
import type { Workspace } from '../core/model/workspace.js';
import { connectionById, CONNECTION_ID, OKTA_SAML_CONNECTION_ID, type SamlConnection } from '../core/model/connection.js';
import { router } from '../platform/router.js';
import { completeSignIn, refusalResponse, SignInRefused, type RefusalSubject } from '../signin/index.js';
import { ENTRA_CLAIMS } from './checks/attributes.js';
import { runAcsChecks, type AcsResult, type VerifiedFacts } from './checks/index.js';
import { NAMEID_EMAIL, NAMEID_UNSPECIFIED } from './checks/name-id.js';
import { readEnvelope, type ResponseEnvelope } from './envelope.js';
import { InvalidReturnTo, MissingSamlResponse, SamlConnectionNotFound, SamlNotConfigured, SamlPayloadTooLarge, WorkspaceNotFound } from './errors.js';
import { testReportPage } from './pages.js';
import { previewMapping } from './preview.js';
import { resolveDestination } from './relay-state.js';
import { AcsForm, LoginQuery, MAX_FORM_BYTES, TeamId } from './schemas.js';
import { authnRequestUrl, isRequestId, newRequestId, serviceProvider, spMetadataXml, type ServiceProvider } from './sp.js';
import { REQUEST_TTL_MS } from '../store/saml-requests.js';

/** What a route's path names: the workspace and the SAML connection of it. */
interface Target {
  readonly teamId: string;
  readonly connectionId: string;
  /** `/api/saml/{team_id}/…`: the seeds' URLs of the `saml` connection. */
  readonly legacy: boolean;
}

/**
 * The SAML 2.0 service provider of every SAML connection of a workspace (Okta's OIN SAML app,
 * seed 001; Entra ID's enterprise apps; any IdP by metadata):
 *
 * - `GET /api/saml/{team_id}/metadata|login`, `POST /api/saml/{team_id}/acs` — the `saml`
 *   connection, at the URLs the seeds configure in Okta;
 * - `GET /api/sso/saml/{team_id}/{connection_id}/metadata|login`, `POST …/acs` — any SAML
 *   connection, each with its own SP entity id (its metadata URL) and ACS URL (`sp.ts`).
 *
 * `metadata` is the SP metadata (entity id = that URL); `login` an SP-initiated sign-in
 * (AuthnRequest, HTTP-Redirect binding; `?test=1` a test login that reports every check instead of
 * signing in); `acs` the Assertion Consumer Service (HTTP-POST binding): the ordered checks of
 * `checks/index.ts` against that connection only, then the sign-in core (`completeSignIn`).
 *
 * Browsers reach every route, so refusals are the one sign-in refusal page (`signin/page.ts`), and
 * each refusal of a known workspace is audited as `sso.sign_in_refused` (`signin/refuse.ts`).
 */
export function createSamlApp(deps: Deps): App {
  const { samlRequests: store, workspaces, audit } = deps.repos;

  const spOf = (t: Target) => serviceProvider(deps.config, t.teamId, t.connectionId);

  /** Renders a refusal through the one refusal page and records it in the workspace's audit trail. */
  function refuse(
    req: HttpRequest,
    err: unknown,
    t: Target,
    workspace: Workspace | undefined,
    c: SamlConnection | undefined,
    facts: VerifiedFacts = {},
    check?: string,
  ): Promise<HttpResponse> {
    const about: RefusalSubject = {
      ...(workspace ? { teamId: workspace.id } : {}),
      protocol: 'saml',
      ...(c ? { connectionId: c.id, issuer: c.idpEntityId } : {}),
      ...(facts.subject ? { subject: facts.subject } : {}),
      ...(facts.email ? { email: facts.email } : {}),
    };
    const sp = spOf(t);
    return refusalResponse(deps, req, err, about, {
      hints: { acsUrl: sp.acsUrl, entityId: sp.entityId, ...(c ? { preset: c.preset } : {}) },
      trace: { check: check ?? null, assertionId: facts.assertionId ?? null },
    });
  }

  /** Loads the workspace a path names, or throws the refusal a browser should see. */
  async function requireWorkspace(t: Target): Promise<Workspace> {
    if (!TeamId.safeParse(t.teamId).success) throw new WorkspaceNotFound(t.teamId);
    const w = await workspaces.get(t.teamId);
    if (!w) throw new WorkspaceNotFound(t.teamId);
    return w;
  }

  /** The SAML connection a path names: `saml_not_configured` on the seeds' URLs, else `connection_not_found`. */
  function requireConnection(w: Workspace, t: Target): SamlConnection {
    const c = connectionById(w, t.connectionId);
    if (c?.protocol === 'saml') return c;
    throw t.legacy ? new SamlNotConfigured() : new SamlConnectionNotFound(t.connectionId);
  }

  /** Okta is asked for an email NameID (seed 001); other IdPs send the format they are set up for. */
  const nameIdFormatOf = (c: SamlConnection | undefined) => (c === undefined || c.preset === 'okta' ? NAMEID_EMAIL : NAMEID_UNSPECIFIED);

  async function metadata(req: HttpRequest, t: Target): Promise<HttpResponse> {
    let c: SamlConnection | undefined;
    try {
      const w = await requireWorkspace(t);
      // The seeds' metadata needs no IdP configuration (an admin loads it into Okta first); a
      // connection's own metadata exists once the connection does.
      if (t.legacy) {
        const found = connectionById(w, t.connectionId);
        c = found?.protocol === 'saml' ? found : undefined;
      } else c = requireConnection(w, t);
    } catch (err) {
      if (err instanceof SignInRefused) return refuse(req, err, t, undefined, undefined);
      throw err;
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/samlmetadata+xml; charset=utf-8', 'cache-control': 'public, max-age=300' },
      body: spMetadataXml(spOf(t), nameIdFormatOf(c)),
    };
  }

  async function login(req: HttpRequest, t: Target): Promise<HttpResponse> {
    let workspace: Workspace | undefined;
    let c: SamlConnection | undefined;
    try {
      workspace = await requireWorkspace(t);
      c = requireConnection(workspace, t);
      const query = LoginQuery.parse(req.query);
      const destination = resolveDestination(query.return_to ?? query.RelayState, deps.config);
      if (destination === null) throw new InvalidReturnTo();
      const test = query.test;
      const now = deps.now();
      const requestId = newRequestId();
      await store.saveRequest({
        requestId,
        teamId: t.teamId,
        connectionId: c.id,
        ...(destination && !test ? { destination } : {}),
        test,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + REQUEST_TTL_MS).toISOString(),
      });
      const location = await authnRequestUrl(spOf(t), c, {
        requestId,
        ...(destination && !test ? { relayState: destination.path } : {}),
        forceAuthn: test,
        nameIdFormat: nameIdFormatOf(c),
      });
      return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
    } catch (err) {
      if (err instanceof SignInRefused) return refuse(req, err, t, workspace, c);
      throw err;
    }
  }

  async function acs(req: HttpRequest, t: Target): Promise<HttpResponse> {
    if (!TeamId.safeParse(t.teamId).success) return refuse(req, new WorkspaceNotFound(t.teamId), t, undefined, undefined);

    // Read the form before storage: the response names the request it answers, and that request
    // is fetched together with the workspace (one round trip).
    let early: SignInRefused | undefined;
    let envelope: ResponseEnvelope | SignInRefused | undefined;
    let relayState: string | undefined;
    if (Buffer.byteLength(req.body) > MAX_FORM_BYTES) early = new SamlPayloadTooLarge(MAX_FORM_BYTES);
    else {
      const form = AcsForm.safeParse(Object.fromEntries(new URLSearchParams(req.body)));
      if (!form.success) early = new MissingSamlResponse();
      else {
        relayState = form.data.RelayState;
        try {
          envelope = readEnvelope(form.data.SAMLResponse);
        } catch (err) {
          if (!(err instanceof SignInRefused)) throw err;
          envelope = err;
        }
      }
    }
    const claimed = envelope && !(envelope instanceof SignInRefused) ? envelope.requestIdHint : undefined;
    const hint = isRequestId(claimed) ? claimed : undefined;
    const { workspace, request } = await store.load(t.teamId, hint);
    if (!workspace) return refuse(req, new WorkspaceNotFound(t.teamId), t, undefined, undefined);
    let c: SamlConnection;
    try {
      c = requireConnection(workspace, t);
    } catch (err) {
      return refuse(req, err, t, workspace, undefined);
    }
    if (early || !envelope) return refuse(req, early ?? new MissingSamlResponse(), t, workspace, c);

    const sp = spOf(t);
    const result = await runAcsChecks({
      envelope,
      relayState,
      teamId: t.teamId,
      saml: c,
      pending: request,
      sp,
      config: deps.config,
      now: deps.now(),
      store,
    });

    if (request?.test === true && (request.connectionId ?? OKTA_SAML_CONNECTION_ID) === c.id) return testLogin(req, workspace, c, sp, result, envelope);
    if (!result.ok) return refuse(req, result.refusal, t, workspace, c, result.facts, result.outcomes.find((o) => o.status === 'failed')?.name);

    const { accepted } = result;
    const objectId = accepted.attributes[ENTRA_CLAIMS.objectId]?.[0];
    return completeSignIn(deps, req, {
      workspace,
      connection: c,
      protocol: 'saml',
      issuer: accepted.issuer,
      subject: accepted.subject,
      // Entra's SCIM client sends the object id as externalId (the OIDC `oid`); Okta's the user id.
      ...(objectId ? { externalId: objectId } : {}),
      email: accepted.profile.email,
      ...(accepted.profile.givenName ? { givenName: accepted.profile.givenName } : {}),
      ...(accepted.profile.familyName ? { familyName: accepted.profile.familyName } : {}),
      ...(accepted.profile.displayName ? { displayName: accepted.profile.displayName } : {}),
      groups: accepted.profile.groups,
      ...(accepted.destination?.kind === 'bridge' ? { returnTo: accepted.destination.path } : {}),
      ...(accepted.destination?.kind === 'app' ? { appPath: accepted.destination.path } : {}),
    });
  }

  /** Seed 001 step 8: report each check to the admin, audit the outcome, and sign nobody in. */
  async function testLogin(
    req: HttpRequest,
    workspace: Workspace,
    c: SamlConnection,
    sp: ServiceProvider,
    result: AcsResult,
    envelope: ResponseEnvelope | SignInRefused,
  ): Promise<HttpResponse> {
    const accepted = result.ok ? result.accepted : undefined;
    const mapping = accepted
      ? await previewMapping(deps, workspace, c, {
          issuer: accepted.issuer,
          subject: accepted.subject,
          email: accepted.profile.email,
          groups: accepted.profile.groups,
        })
      : undefined;
    const failed = result.outcomes.find((o) => o.status === 'failed');
    await audit.record(
      auditContextFrom(req, workspace.id, deps.config.REGION_ID, {
        type: 'idp',
        id: c.idpEntityId,
        ...(result.facts.email ? { label: result.facts.email } : {}),
      }),
      {
        action: 'sso.saml_test_login',
        target: { type: 'workspace', id: workspace.id },
        after: {
          connectionId: c.id,
          passed: result.ok,
          failedCheck: failed?.name ?? null,
          error: failed?.error?.refusal ?? null,
          checks: result.outcomes.map((o) => ({ name: o.name, status: o.status })),
          subject: result.facts.subject ?? null,
          email: result.facts.email ?? null,
          groups: accepted?.profile.groups ?? null,
          wouldSignInAs: mapping?.text ?? null,
          responseId: envelope instanceof SignInRefused ? null : (envelope.responseId ?? null),
        },
      },
    );
    return testReportPage(
      deps.config,
      {
        passed: result.ok,
        outcomes: result.outcomes,
        attributes: accepted?.attributes,
        groupPrefix: c.groupPrefix,
        groupsReceived: accepted?.profile.groupsReceived,
        groupsKept: accepted?.profile.groups,
        mapping,
        hints: { acsUrl: sp.acsUrl, entityId: sp.entityId, preset: c.preset },
      },
      req,
      workspace.id,
    );
  }

  const seed = (teamId: string): Target => ({ teamId, connectionId: OKTA_SAML_CONNECTION_ID, legacy: true });
  /** A connection id that is not one names no connection: it never reaches a lookup. */
  const byId = (teamId: string, connectionId: string): Target => ({
    teamId,
    connectionId: CONNECTION_ID.test(connectionId) ? connectionId : '-',
    legacy: false,
  });

  return router([
    ['GET', '/api/saml/:teamId/metadata', (req, { teamId }) => metadata(req, seed(teamId!))],
    ['GET', '/api/saml/:teamId/login', (req, { teamId }) => login(req, seed(teamId!))],
    ['POST', '/api/saml/:teamId/acs', (req, { teamId }) => acs(req, seed(teamId!))],
    ['GET', '/api/sso/saml/:teamId/:connectionId/metadata', (req, { teamId, connectionId }) => metadata(req, byId(teamId!, connectionId!))],
    ['GET', '/api/sso/saml/:teamId/:connectionId/login', (req, { teamId, connectionId }) => login(req, byId(teamId!, connectionId!))],
    ['POST', '/api/sso/saml/:teamId/:connectionId/acs', (req, { teamId, connectionId }) => acs(req, byId(teamId!, connectionId!))],
  ]);
}
