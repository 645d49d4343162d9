import { auditContextFrom } from '../platform/http.js';
import type { Deps } from '../platform/deps.js';
import type { HttpRequest, HttpResponse } from '../platform/http.js';
import type { App } from '../platform/lambda.js';
import { AuditRepo } from '../store/audit.js';
import { WorkspaceRepo } from '../store/workspaces.js';
import type { SamlConfig, Workspace } from '../core/model/workspace.js';
import { router } from '../platform/router.js';
import { completeSignIn } from '../signin/index.js';
import { runAcsChecks, type AcsResult, type VerifiedFacts } from './checks/index.js';
import { readEnvelope, type ResponseEnvelope } from './envelope.js';
import {
  InvalidReturnTo,
  MissingSamlResponse,
  SamlNotConfigured,
  SamlPayloadTooLarge,
  SamlRefusal,
  WorkspaceNotFound,
} from './errors.js';
import { refusalPage, testReportPage } from './pages.js';
import { previewMapping } from './preview.js';
import { resolveDestination } from './relay-state.js';
import { AcsForm, LoginQuery, MAX_FORM_BYTES, TeamId } from './schemas.js';
import { authnRequestUrl, isRequestId, newRequestId, serviceProvider, spMetadataXml } from './sp.js';
import { REQUEST_TTL_MS, SamlStore } from './store.js';

/**
 * The SAML 2.0 service provider of a workspace (Okta's OIN SAML app, seed 001):
 *
 * - `GET /api/saml/{team_id}/metadata` — SP metadata (entity id = this URL);
 * - `GET /api/saml/{team_id}/login` — SP-initiated sign-in (AuthnRequest, HTTP-Redirect binding);
 *   `?test=1` starts a test login that reports every check instead of signing in;
 * - `POST /api/saml/{team_id}/acs` — the Assertion Consumer Service (HTTP-POST binding): the
 *   ordered checks of `checks/index.ts`, then the sign-in core (`completeSignIn`).
 *
 * Browsers reach every route, so refusals are HTML pages naming cause and fix, and each refusal
 * of a known workspace is audited as `sso.sign_in_refused` (the sign-in core's action).
 */
export function createSamlApp(deps: Deps): App {
  const store = new SamlStore(deps.db, deps.now);
  const workspaces = new WorkspaceRepo(deps.db);

  /** Renders a refusal and records it in the workspace's audit trail. */
  async function refuse(req: HttpRequest, refusal: SamlRefusal, workspace: Workspace | undefined, facts: VerifiedFacts = {}, check?: string): Promise<HttpResponse> {
    if (workspace) {
      const issuer = workspace.saml?.idpEntityId ?? 'unknown';
      const label = facts.email ?? facts.subject;
      try {
        await new AuditRepo(deps.db).record(
          auditContextFrom(req, workspace.id, deps.config.REGION_ID, { type: 'idp', id: issuer, ...(label ? { label } : {}) }),
          {
            action: 'sso.sign_in_refused',
            target: { type: 'sso_subject', id: facts.subject ?? facts.email ?? 'unknown' },
            after: {
              // The audit redactor drops keys named `code` (one-time codes), so the refusal goes under `error`.
              error: refusal.code,
              reason: refusal.message,
              fix: refusal.fix,
              protocol: 'saml',
              check: check ?? null,
              issuer,
              subject: facts.subject ?? null,
              email: facts.email ?? null,
              assertionId: facts.assertionId ?? null,
            },
          },
        );
      } catch (err) {
        // The user still gets the page; a failure to audit is an operational alarm.
        deps.logger.error('could not audit a refused SAML sign-in', { requestId: req.requestId, error: err as Error, code: refusal.code });
      }
    } else {
      deps.logger.warn('SAML sign-in refused', { requestId: req.requestId, code: refusal.code });
    }
    return refusalPage(deps.config, refusal, req, workspace?.id);
  }

  /** Loads a workspace named by the path, or throws the refusal a browser should see. */
  async function requireWorkspace(teamId: string): Promise<Workspace> {
    if (!TeamId.safeParse(teamId).success) throw new WorkspaceNotFound(teamId);
    const w = await workspaces.get(teamId);
    if (!w) throw new WorkspaceNotFound(teamId);
    return w;
  }

  async function metadata(req: HttpRequest, teamId: string): Promise<HttpResponse> {
    try {
      await requireWorkspace(teamId);
    } catch (err) {
      if (err instanceof SamlRefusal) return refusalPage(deps.config, err, req);
      throw err;
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/samlmetadata+xml; charset=utf-8', 'cache-control': 'public, max-age=300' },
      body: spMetadataXml(serviceProvider(deps.config, teamId)),
    };
  }

  async function login(req: HttpRequest, teamId: string): Promise<HttpResponse> {
    let workspace: Workspace | undefined;
    try {
      workspace = await requireWorkspace(teamId);
      const saml = workspace.saml;
      if (!saml) throw new SamlNotConfigured();
      const query = LoginQuery.parse(req.query);
      const destination = resolveDestination(query.return_to ?? query.RelayState, deps.config);
      if (destination === null) throw new InvalidReturnTo();
      const test = query.test;
      const now = deps.now();
      const requestId = newRequestId();
      await store.saveRequest({
        requestId,
        teamId,
        ...(destination && !test ? { destination } : {}),
        test,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + REQUEST_TTL_MS).toISOString(),
      });
      const location = await authnRequestUrl(serviceProvider(deps.config, teamId), saml, {
        requestId,
        ...(destination && !test ? { relayState: destination.path } : {}),
        forceAuthn: test,
      });
      return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
    } catch (err) {
      if (err instanceof SamlRefusal) return refuse(req, err, workspace);
      throw err;
    }
  }

  async function acs(req: HttpRequest, teamId: string): Promise<HttpResponse> {
    if (!TeamId.safeParse(teamId).success) return refusalPage(deps.config, new WorkspaceNotFound(teamId), req);

    // Read the form before storage: the response names the request it answers, and that request
    // is fetched together with the workspace (one round trip).
    let early: SamlRefusal | undefined;
    let envelope: ResponseEnvelope | SamlRefusal | undefined;
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
          if (!(err instanceof SamlRefusal)) throw err;
          envelope = err;
        }
      }
    }
    const claimed = envelope && !(envelope instanceof SamlRefusal) ? envelope.requestIdHint : undefined;
    const hint = isRequestId(claimed) ? claimed : undefined;
    const { workspace, request } = await store.load(teamId, hint);
    if (!workspace) return refuse(req, new WorkspaceNotFound(teamId), undefined);
    if (early || !envelope) return refuse(req, early ?? new MissingSamlResponse(), workspace);
    const saml = workspace.saml;
    if (!saml) return refuse(req, new SamlNotConfigured(), workspace);

    const result = await runAcsChecks({
      envelope,
      relayState,
      teamId,
      saml,
      pending: request,
      sp: serviceProvider(deps.config, teamId),
      config: deps.config,
      now: deps.now(),
      store,
    });

    if (request?.test === true) return testLogin(req, workspace, saml, result, envelope);
    if (!result.ok) return refuse(req, result.refusal, workspace, result.facts, result.outcomes.find((o) => o.status === 'failed')?.name);

    const { accepted } = result;
    return completeSignIn(deps, req, {
      workspace,
      protocol: 'saml',
      issuer: accepted.issuer,
      subject: accepted.subject,
      email: accepted.profile.email,
      ...(accepted.profile.givenName ? { givenName: accepted.profile.givenName } : {}),
      ...(accepted.profile.familyName ? { familyName: accepted.profile.familyName } : {}),
      groups: accepted.profile.groups,
      ...(accepted.destination?.kind === 'bridge' ? { returnTo: accepted.destination.path } : {}),
      ...(accepted.destination?.kind === 'app' ? { appPath: accepted.destination.path } : {}),
    });
  }

  /** Seed 001 step 8: report each check to the admin, audit the outcome, and sign nobody in. */
  async function testLogin(
    req: HttpRequest,
    workspace: Workspace,
    saml: SamlConfig,
    result: AcsResult,
    envelope: ResponseEnvelope | SamlRefusal,
  ): Promise<HttpResponse> {
    const accepted = result.ok ? result.accepted : undefined;
    const mapping = accepted
      ? await previewMapping(deps, workspace, {
          issuer: accepted.issuer,
          subject: accepted.subject,
          email: accepted.profile.email,
          groups: accepted.profile.groups,
        })
      : undefined;
    const failed = result.outcomes.find((o) => o.status === 'failed');
    await new AuditRepo(deps.db).record(
      auditContextFrom(req, workspace.id, deps.config.REGION_ID, {
        type: 'idp',
        id: saml.idpEntityId,
        ...(result.facts.email ? { label: result.facts.email } : {}),
      }),
      {
        action: 'sso.saml_test_login',
        target: { type: 'workspace', id: workspace.id },
        after: {
          passed: result.ok,
          failedCheck: failed?.name ?? null,
          error: failed?.error?.code ?? null,
          checks: result.outcomes.map((o) => ({ name: o.name, status: o.status })),
          subject: result.facts.subject ?? null,
          email: result.facts.email ?? null,
          groups: accepted?.profile.groups ?? null,
          wouldSignInAs: mapping?.text ?? null,
          responseId: envelope instanceof SamlRefusal ? null : (envelope.responseId ?? null),
        },
      },
    );
    return testReportPage(
      deps.config,
      {
        passed: result.ok,
        outcomes: result.outcomes,
        attributes: accepted?.attributes,
        groupPrefix: saml.groupPrefix,
        groupsReceived: accepted?.profile.groupsReceived,
        groupsKept: accepted?.profile.groups,
        mapping,
      },
      req,
      workspace.id,
    );
  }

  return router([
    ['GET', '/api/saml/:teamId/metadata', (req, { teamId }) => metadata(req, teamId!)],
    ['GET', '/api/saml/:teamId/login', (req, { teamId }) => login(req, teamId!)],
    ['POST', '/api/saml/:teamId/acs', (req, { teamId }) => acs(req, teamId!)],
  ]);
}
