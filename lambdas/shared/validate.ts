import type { z } from 'zod';
import { BadRequest } from './errors.js';

/** Parses a JSON body with a zod schema; any problem is a 400 naming the field. */
export function parseJsonBody<S extends z.ZodType>(schema: S, body: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new BadRequest('The request body is not valid JSON.', { code: 'invalid_json' });
  }
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
