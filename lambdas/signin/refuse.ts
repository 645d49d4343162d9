import { auditContextFrom } from '../platform/http.js';
import type { Deps } from '../platform/deps.js';
import { StorageUnavailable, Throttled } from '../core/errors.js';
import type { HttpRequest, HttpResponse } from '../platform/http.js';
import { refusalPage } from './page.js';
import { SignInRefused, type RefusalHints, type RefusalSubject } from './refusals.js';

/**
 * Turns anything a sign-in step threw into the refusal page, and audits it. A `SignInRefused` keeps
 * its code; anything else is logged in full and shown as `server_error` (never a stack trace).
 * The refusal is recorded as `sso.sign_in_refused` in the workspace's trail when the workspace is
 * known; before that (unknown issuer, unknown or replayed state) there is no tenant to attribute it
 * to, so it goes to the structured log only.
 *
 * `hints` name the connection's SP URLs and preset for the fix; `trace` adds protocol facts to the
 * audit record (SAML: the failed check and the assertion id).
 */
export async function refusalResponse(
  deps: Deps,
  req: HttpRequest,
  err: unknown,
  about: RefusalSubject = {},
  options: { hints?: RefusalHints; trace?: Readonly<Record<string, string | null>> } = {},
): Promise<HttpResponse> {
  let refused: SignInRefused;
  if (err instanceof SignInRefused) refused = err.with(about, options.hints);
  else if (err instanceof StorageUnavailable || err instanceof Throttled) {
    // 503 / 429 + Retry-After on the page too (review #9); nothing to audit into a failing table.
    const code = err instanceof Throttled ? 'throttled' : 'storage_unavailable';
    deps.logger.warn(`sign-in: ${code}`, { requestId: req.requestId });
    return refusalPage(deps.config, new SignInRefused(code, err.message, about, { cause: err }), req);
  } else {
    deps.logger.error('sign-in failed', { requestId: req.requestId, error: err as Error });
    refused = new SignInRefused('server_error', 'An internal error occurred.', about, { cause: err });
  }
  const who = refused.about;
  const summary = {
    refusal: refused.refusal,
    // The same code under the name the SAML trail has always used (the audit redactor drops keys named `code`).
    error: refused.refusal,
    reason: refused.expose ? refused.message : 'internal error',
    fix: refused.fix(deps.config),
    protocol: who.protocol ?? null,
    ...(who.connectionId ? { connectionId: who.connectionId } : {}),
    issuer: who.issuer ?? null,
    subject: who.subject ?? null,
    email: who.email ?? null,
    ...options.trace,
  };
  if (who.teamId) {
    try {
      const ctx = auditContextFrom(req, who.teamId, deps.config.REGION_ID, {
        type: 'idp',
        id: who.issuer ?? 'unknown',
        ...(who.email || who.subject ? { label: who.email ?? who.subject } : {}),
      });
      await deps.repos.audit.record(ctx, {
        action: 'sso.sign_in_refused',
        target: who.userId ? { type: 'user', id: who.userId } : { type: 'sso_subject', id: who.subject ?? who.email ?? 'unknown' },
        after: summary,
      });
    } catch (auditErr) {
      // The user still gets the page; the failure to audit is an operational alarm, not their problem.
      deps.logger.error('could not audit a refused sign-in', { ...summary, requestId: req.requestId, error: auditErr as Error });
    }
  } else {
    deps.logger.warn('sign-in refused', { requestId: req.requestId, ...summary });
  }
  return refusalPage(deps.config, refused, req);
}
