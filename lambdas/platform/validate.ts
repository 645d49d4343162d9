import type { z } from 'zod';
import { BadRequest } from '../core/errors.js';
import { parseJson } from './http.js';

/** Parses a JSON body with a zod schema; any problem is a 400 naming the field. */
export function parseJsonBody<S extends z.ZodType>(schema: S, body: string): z.infer<S> {
  // Refuses malformed JSON and prototype member names (`__proto__`, `constructor`) at any depth.
  const raw: unknown = body.trim() === '' ? {} : parseJson(body, (message, problem) => {
    throw new BadRequest(message, { code: problem === 'syntax' ? 'invalid_json' : 'validation_failed' });
  });
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues
      .slice(0, 5)
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
    throw new BadRequest(`Invalid request: ${msg}`, { code: 'validation_failed' });
  }
  return parsed.data;
}
