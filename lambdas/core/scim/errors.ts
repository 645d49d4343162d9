import { AppError } from '../errors.js';

/**
 * SCIM errors (RFC 7644 §3.12). Each carries the HTTP status, a stable `code` and the spec's
 * `scimType` where the spec defines one; `renderError(err, 'scim', …)` writes the envelope
 * `{schemas:[…Error], status:"<status>", scimType, detail}`.
 */
class ScimError extends AppError {
  readonly scimType?: string;
  constructor(status: number, scimType: string | undefined, detail: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(status, scimType ?? `scim_${status}`, detail, options);
    if (scimType) this.scimType = scimType;
  }
}

/** 400 `invalidFilter`: the filter syntax was invalid or the attribute and comparison combination is not supported. */
export class InvalidFilter extends ScimError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(400, 'invalidFilter', detail, options);
  }
}

/** 400 `tooMany`: the filter would need more than the server is willing to process. */
export class TooMany extends ScimError {
  constructor(detail: string) {
    super(400, 'tooMany', detail);
  }
}

/** 409 `uniqueness`: one or more unique attribute values are in use (RFC 7644 §3.3). */
export class Uniqueness extends ScimError {
  constructor(detail: string) {
    super(409, 'uniqueness', detail);
  }
}

/** 400 `mutability`: an attempted modification is not compatible with the attribute's mutability. */
export class Mutability extends ScimError {
  constructor(detail: string) {
    super(400, 'mutability', detail);
  }
}

/** 400 `invalidSyntax`: the request body structure was invalid or did not conform to the schema. */
export class InvalidSyntax extends ScimError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(400, 'invalidSyntax', detail, options);
  }
}

/** 400 `invalidPath`: the PATCH "path" attribute was invalid or malformed. */
export class InvalidPath extends ScimError {
  constructor(detail: string) {
    super(400, 'invalidPath', detail);
  }
}

/** 400 `noTarget`: the PATCH path did not yield an attribute or value that could be operated on. */
export class NoTarget extends ScimError {
  constructor(detail: string) {
    super(400, 'noTarget', detail);
  }
}

/** 400 `invalidValue`: a required value was missing or a value was not compatible with the attribute. */
export class InvalidValue extends ScimError {
  constructor(detail: string) {
    super(400, 'invalidValue', detail);
  }
}

/** 404: the resource does not exist (also for ids that could never exist: the Okta SPEC test expects 404, not 400). */
export class ResourceNotFound extends ScimError {
  constructor(detail: string) {
    super(404, undefined, detail);
  }
}

/** 412: `If-Match` named another version (RFC 7644 §3.14). */
export class PreconditionFailed extends ScimError {
  constructor(detail: string) {
    super(412, undefined, detail);
  }
}

/** 401 with the SCIM envelope (the Okta SPEC test checks `status: "401"` and `detail`). */
export class ScimUnauthorized extends ScimError {
  constructor(detail: string) {
    super(401, undefined, detail, { headers: { 'www-authenticate': 'Bearer realm="scim"' } });
  }
}

/** 403: an OAuth access token without the scope this operation needs. */
export class ScimForbidden extends ScimError {
  constructor(detail: string) {
    super(403, undefined, detail, { headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' } });
  }
}

/** 409 without a `scimType`: the resource changed concurrently and the retry budget ran out. */
export class ScimConflict extends ScimError {
  constructor(detail: string) {
    super(409, undefined, detail);
  }
}

/**
 * 405/404/501 for what SCIM does not serve here (e.g. `/Bulk`, `/Me`, `.search`: not supported,
 * RFC 7644 §3.2). A 405 names the methods the path does serve in `Allow` (RFC 9110 §15.5.6); a
 * 501 is a deliberate answer, so its message is shown (review #15).
 */
export class NotSupported extends ScimError {
  constructor(status: 404 | 405 | 501, detail: string, allow?: readonly string[]) {
    super(status, undefined, detail, allow && allow.length > 0 ? { headers: { allow: allow.join(', ') } } : undefined);
  }
  override get expose(): boolean {
    return true;
  }
}
