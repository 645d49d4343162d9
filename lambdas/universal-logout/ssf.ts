import * as z from 'zod';
import { AppError } from '../core/errors.js';
import type { HttpResponse } from '../platform/http.js';
import { TokenCheckFailed, type SetErrorCode } from './checks/errors.js';
import { SubjectIdentifier } from './schemas.js';

/** CAEP "session revoked" (OpenID CAEP 1.0 §3.1). */
export const CAEP_SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** SSF stream verification event (OpenID SSF 1.0 §8.1.4.1): acknowledged, nothing to do. */
export const SSF_VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';

/** How long after `iat` a SET is still accepted (SETs carry no `exp`, RFC 8417 §2.2). */
export const SET_MAX_AGE_SECONDS = 7 * 24 * 3600;

/**
 * A subject as SSF carries it: a simple RFC 9493 identifier, or a `complex` one whose `user`
 * member names the user (SSF 1.0 §3.2; CAEP events may add `session`, `tenant`…, ignored here).
 */
const ComplexSubject = z.object({ format: z.literal('complex'), user: SubjectIdentifier }).passthrough();
const SetSubject = z.union([SubjectIdentifier, ComplexSubject]);

/** A SET's own fields we rely on; everything else is the event's business. */
const SetClaims = z.object({
  events: z.record(z.string(), z.record(z.string(), z.unknown())).refine((e) => Object.keys(e).length > 0, 'must hold an event'),
  sub_id: SetSubject.optional(),
});

/** The RFC 8935 §2.4 error of a push that cannot be accepted (always 400). */
export class SetRejected extends AppError {
  readonly err: SetErrorCode;
  /** The refusal's stable cause (`withRefusal`); default the error code. */
  readonly refusalCause: string;
  constructor(err: SetErrorCode, description: string, options?: { cause?: unknown; refusalCause?: string }) {
    super(400, err, description, options?.cause === undefined ? undefined : { cause: options.cause });
    this.err = err;
    this.refusalCause = options?.refusalCause ?? err;
  }
}

export interface SessionRevokedEvent {
  readonly subject: z.infer<typeof SubjectIdentifier>;
  readonly reasonAdmin?: string;
}

/**
 * The session-revoked events of a verified SET, with their subject: the event's `subject`
 * (CAEP drafts, Okta's SETs) or the SET's `sub_id` (SSF 1.0 §4). Other event types are returned
 * as ignored: RFC 8935 §2.3 forbids answering event-processing outcomes with an error.
 */
export function sessionRevokedEvents(claims: unknown): { revoked: SessionRevokedEvent[]; ignored: string[] } {
  const parsed = SetClaims.safeParse(claims);
  if (!parsed.success) {
    throw new SetRejected('invalid_request', `The SET is malformed: ${parsed.error.issues[0]?.path.join('.') || 'events'} ${parsed.error.issues[0]?.message ?? ''}`.trim(), {
      refusalCause: 'set_malformed',
    });
  }
  const revoked: SessionRevokedEvent[] = [];
  const ignored: string[] = [];
  for (const [type, payload] of Object.entries(parsed.data.events)) {
    if (type !== CAEP_SESSION_REVOKED) {
      ignored.push(type);
      continue;
    }
    const subject = SetSubject.safeParse(payload.subject ?? parsed.data.sub_id);
    if (!subject.success) {
      throw new SetRejected('invalid_request', 'The session-revoked event has no usable subject (formats iss_sub, email, opaque or complex with user).', {
        refusalCause: 'set_malformed',
      });
    }
    const simple = subject.data.format === 'complex' ? subject.data.user : subject.data;
    const reason = payload.reason_admin;
    const reasonAdmin = typeof reason === 'string' ? reason : reason && typeof reason === 'object' ? JSON.stringify(reason).slice(0, 500) : undefined;
    revoked.push({ subject: simple, ...(reasonAdmin ? { reasonAdmin } : {}) });
  }
  return { revoked, ignored };
}

/**
 * Renders a refusal as RFC 8935 §2.4 wants it: `400 {"err", "description"}`. Failed JWT checks map
 * to their SET error code (`invalid_key`, `invalid_issuer`, `invalid_audience`,
 * `authentication_failed`…). Anything else (5xx) is left to the group's renderer.
 */
export function setErrorResponse(err: unknown): HttpResponse | undefined {
  let code: SetErrorCode;
  let description: string;
  if (err instanceof SetRejected) {
    code = err.err;
    description = err.message;
  } else if (err instanceof TokenCheckFailed) {
    code = err.setError;
    description = err.message;
  } else if (err instanceof AppError && err.status < 500) {
    code = 'invalid_request';
    description = err.message;
  } else return undefined;
  return {
    status: 400,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ err: code, description }),
  };
}
