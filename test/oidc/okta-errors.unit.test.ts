/**
 * What the user sees for each error Okta sends back (fixture: Okta's documented error responses):
 * the seeds' troubleshooting causes get their own refusal codes.
 */
import { readFileSync } from 'node:fs';
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { refusalFromGrantError, refusalFromOktaError } from '../../lambdas/oidc/okta-errors.js';

interface Fixture {
  authorize: { error: string; error_description: string; expect: string }[];
  token: { status: number; body: { error: string; error_description: string }; expect: string }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/oidc/okta-errors.json', import.meta.url), 'utf8')) as Fixture;

describe("Okta's errors at the redirect URI", () => {
  it.each(fixture.authorize.map((f) => [f.error, f.error_description, f.expect]))('maps %s (%s) to %s', (error, description, expected) => {
    const refusal = refusalFromOktaError(error, description);
    expect(refusal.refusal).toBe(expected);
    expect(refusal.message).toContain(description.slice(0, 40));
  });
});

describe("Okta's token endpoint errors", () => {
  it.each(fixture.token.map((f) => [f.body.error, f.body.error_description, f.status, f.expect] as const))('maps %s (%s) to its refusal', (error, description, status, expected) => {
    const err = new oidc.ResponseBodyError('server responded with an error in the response body', {
      cause: { error, error_description: description },
      response: new Response(JSON.stringify({ error, error_description: description }), { status }),
    });
    expect(refusalFromGrantError(err).refusal).toBe(expected);
  });

  it('maps network failures to idp_unreachable and rethrows anything unexpected', () => {
    expect(refusalFromGrantError(new TypeError('fetch failed')).refusal).toBe('idp_unreachable');
    expect(() => refusalFromGrantError(new RangeError('bug'))).toThrow(RangeError);
  });
});
