/**
 * No event lost, none invented — under storage faults (issue 8 items 4 and 8): a SCIM create whose
 * transaction is reset before it reaches the database, cut after it committed (the client never
 * learns it succeeded), or throttled, and then retried as Okta retries. Whatever the client saw,
 * exactly one `user.created` event arrives, with the id of the one audit record that committed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type FaultyTestStack } from '../support/stack.js';
import { oktaUser, scimWorkspace, type ScimWorkspace } from '../scim/helpers.js';

let stack: FaultyTestStack;
let ws: ScimWorkspace;

beforeAll(async () => {
  stack = await startTestStack({ faults: true });
  ws = await scimWorkspace(stack);
});
afterAll(async () => stack?.close());

const ROUNDS = 3;

/** The `user.created` audit records of a user, from the export. */
async function createdAudits(userId: string): Promise<{ id: string }[]> {
  const res = await ws.admin.get(`/api/admin/workspaces/${ws.teamId}/audit-export?limit=1000`);
  return res.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; action: string; target: { id: string } })
    .filter((r) => r.action === 'user.created' && r.target.id === userId);
}

describe.each([
  ['reset before it reaches the database', 'reset'],
  ['cut after it committed', 'kill'],
  ['throttled', 'throttle'],
] as const)('a create whose transaction is %s, then retried', (_label, fault) => {
  it(`delivers exactly one user.created event, with the id of the audit record that committed (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const userName = `outbox.${fault}.${randomBytes(4).toString('hex')}@example.com`;
      const body = oktaUser(userName);
      if (fault === 'reset') stack.faults.failNext('TransactWriteItems', Infinity);
      if (fault === 'kill') stack.faults.killNext('TransactWriteItems', Infinity);
      if (fault === 'throttle') stack.faults.throttleNext('TransactWriteItems', Infinity);
      const first = await ws.scim.post('/Users', body);
      stack.faults.clear();
      expect([503, 429], `first attempt: ${first.status} ${first.text}`).toContain(first.status);
      // Okta retries; after a committed-but-unanswered create it meets the user it made (409).
      const retry = await ws.scim.post('/Users', body);
      expect(fault === 'kill' ? [409] : [201], `retry: ${retry.status} ${retry.text}`).toContain(retry.status);

      const found = await ws.scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      expect(found.json.totalResults).toBe(1);
      const userId = String(found.json.Resources[0].id);
      const audits = await createdAudits(userId);
      expect(audits).toHaveLength(1);
      // A change after it: once its event is delivered, every earlier one is (one stream, in order).
      const sentinel = await ws.scim.post('/Users', oktaUser(`sentinel.${randomBytes(4).toString('hex')}@example.com`));
      await stack.events.waitFor((e) => e.type === 'user.created' && e.detail.userId === sentinel.json.id);

      const events = stack.events.all().filter((e) => e.type === 'user.created' && e.detail.userName === userName);
      expect(events.map((e) => [e.eventId, e.detail.userId])).toEqual([[`${audits[0]!.id}.0`, userId]]);
    }
  }, 120_000);
});
