/** The Global Token Revocation body parser: formats, the legacy member name, and fuzzing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, BadRequest } from '../../lambdas/core/errors.js';
import { parseLogoutBody } from '../../lambdas/universal-logout/schemas.js';
import { fill } from '../fixtures/logout/fixtures.js';

describe('parseLogoutBody', () => {
  it('reads Okta’s email and iss_sub bodies and the legacy subject member', () => {
    expect(parseLogoutBody(JSON.stringify(fill('okta-gtr-email.json', {})))).toEqual({ format: 'email', email: 'jane.doe@example.com' });
    expect(parseLogoutBody(JSON.stringify(fill('okta-gtr-iss-sub.json', { issuer: 'https://acme.okta.com' })))).toEqual({
      format: 'iss_sub',
      iss: 'https://acme.okta.com',
      sub: '00ub0oNGTSWTBKOLGLNR',
    });
    expect(parseLogoutBody(JSON.stringify(fill('legacy-subject-email.json', {})))).toMatchObject({ format: 'email' });
    expect(parseLogoutBody('{"sub_id":{"format":"opaque","id":"u1"}}')).toEqual({ format: 'opaque', id: 'u1' });
  });

  it('refuses unknown formats, unknown members and missing fields with 400', () => {
    for (const body of [
      '{"sub_id":{"format":"phone_number","phone_number":"+1"}}',
      '{"sub_id":{"format":"email","email":"a@b.c","extra":1}}',
      '{"sub_id":{"format":"iss_sub","iss":"https://x"}}',
      '{"sub_id":{"format":"email","email":"not-an-email"}}',
      '[]',
      'null',
      '',
    ]) {
      expect(() => parseLogoutBody(body)).toThrow(BadRequest);
    }
  });

  it('answers any input with a subject or a 400, never anything else', () => {
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ sub_id: fc.oneof(fc.anything(), fc.record({ format: fc.constantFrom('email', 'iss_sub', 'opaque', 'x'), email: fc.string(), iss: fc.string(), sub: fc.string(), id: fc.string() }, { requiredKeys: ['format'] })) }).map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(jsonish, (body) => {
        try {
          expect(['email', 'iss_sub', 'opaque']).toContain(parseLogoutBody(body).format);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).status).toBe(400);
        }
      }),
      { numRuns: 500 },
    );
  });
});
