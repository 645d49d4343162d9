import * as z from 'zod';
import { BadRequest } from '../core/errors.js';
import { parseJson } from '../platform/http.js';

/**
 * Subject identifiers (RFC 9493 §3): an identifier MUST NOT carry members its format does not
 * define, so each format is a strict object and an unknown format is refused.
 */
export const EmailSubject = z
  .object({ format: z.literal('email'), email: z.string().trim().min(3).max(320).regex(/^[^@\s]+@[^@\s]+$/, 'must be an email address') })
  .strict();
export const IssSubSubject = z
  .object({ format: z.literal('iss_sub'), iss: z.string().min(1).max(2048), sub: z.string().min(1).max(1024) })
  .strict()
  // Both become one DynamoDB partition key (`…#SUBJECT#<iss>#<sub>`, at most 2,048 bytes).
  .refine((s) => Buffer.byteLength(s.iss) + Buffer.byteLength(s.sub) <= 1900, { message: 'iss and sub are too long together', path: ['sub'] });
export const OpaqueSubject = z
  .object({ format: z.literal('opaque'), id: z.string().min(1).max(1024).refine((s) => Buffer.byteLength(s) <= 1024, { message: 'must be at most 1024 bytes in UTF-8' }) })
  .strict();

export const SubjectIdentifier = z.discriminatedUnion('format', [EmailSubject, IssSubSubject, OpaqueSubject]);
export type SubjectIdentifier = z.infer<typeof SubjectIdentifier>;

/**
 * The Global Token Revocation request body: one `sub_id` (draft-parecki-oauth-global-token-
 * revocation §3 since -03); drafts up to -02 called it `subject`, and both are accepted. Anything
 * else at the top level is an unknown property → 400.
 */
const LogoutBodies = {
  sub_id: z.object({ sub_id: SubjectIdentifier }).strict(),
  subject: z.object({ subject: SubjectIdentifier }).strict(),
} as const;

/** Parses the request body into the subject to log out; any problem is a 400 naming it. */
export function parseLogoutBody(body: string): SubjectIdentifier {
  const raw: unknown = parseJson(body, (message, problem) => {
    throw new BadRequest(problem === 'syntax' ? 'The request body is not valid JSON; send {"sub_id": {"format": "email", "email": "…"}}.' : message, { code: 'invalid_request' });
  });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new BadRequest('The request body must be a JSON object with a sub_id.', { code: 'invalid_request' });
  }
  const obj = raw as Record<string, unknown>;
  const present = (['sub_id', 'subject'] as const).filter((k) => k in obj);
  const key = present[0];
  if (key === undefined || present.length !== 1) {
    throw new BadRequest('The request body must hold exactly one of sub_id (or the older subject).', { code: 'invalid_request' });
  }
  const candidate = obj[key];
  const format = (candidate as { format?: unknown } | null)?.format;
  if (candidate && typeof candidate === 'object' && typeof format === 'string' && !['email', 'iss_sub', 'opaque'].includes(format)) {
    throw new BadRequest(`Subject identifier format "${format}" is not supported; use email, iss_sub or opaque.`, { code: 'unsupported_format' });
  }
  const parsed = LogoutBodies[key].safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues
      .slice(0, 3)
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
    throw new BadRequest(`Invalid subject identifier: ${msg}`, { code: 'invalid_request' });
  }
  return 'sub_id' in parsed.data ? parsed.data.sub_id : parsed.data.subject;
}
