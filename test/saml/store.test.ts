/**
 * The SAML one-time store on DynamoDB Local: pending AuthnRequest ids and the assertion replay
 * cache, including items whose TTL passed but that DynamoDB has not deleted yet.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Db } from '../../lambdas/store/client.js';
import { keys } from '../../lambdas/store/keys.js';
import { AssertionAlreadyUsed, RequestNotPending, SamlStore, type SamlRequestRecord } from '../../lambdas/store/saml-requests.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let db: Db;
let store: SamlStore;

beforeAll(async () => {
  stack = await startTestStack();
  db = new Db({ tableName: stack.tableName, endpoint: stack.endpoint });
  store = new SamlStore(db, () => new Date());
});
afterAll(() => stack?.close());

const teamId = randomUUID();

function request(requestId: string, expiresInMs: number): SamlRequestRecord {
  const now = Date.now();
  return { requestId, teamId, test: false, createdAt: new Date(now).toISOString(), expiresAt: new Date(now + expiresInMs).toISOString() };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    // The store's errors; the SAML checks answer them with these refusal codes (saml/checks/index.ts).
    if (err instanceof AssertionAlreadyUsed) return 'replayed_assertion';
    if (err instanceof RequestNotPending) return 'unknown_request';
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('SamlStore', () => {
  it('spends a pending request and its assertion id in one round trip, once', async () => {
    await store.saveRequest(request('_r1', 60_000));
    const before = db.roundTrips;
    await store.consume({ teamId, assertionId: 'a1', acceptableUntil: new Date(Date.now() + 60_000), requestId: '_r1' });
    expect(db.roundTrips - before).toBe(1);
    expect(await refusal(store.consume({ teamId, assertionId: 'a2', acceptableUntil: new Date(Date.now() + 60_000), requestId: '_r1' }))).toBe(
      'unknown_request',
    );
    expect(await refusal(store.consume({ teamId, assertionId: 'a1', acceptableUntil: new Date(Date.now() + 60_000) }))).toBe('replayed_assertion');
  });

  it('reads the workspace and the pending request together in one round trip, and drops an expired request', async () => {
    await store.saveRequest(request('_live', 60_000));
    await store.saveRequest(request('_stale', -1_000));
    const before = db.roundTrips;
    const live = await store.load(teamId, '_live');
    expect(db.roundTrips - before).toBe(1);
    expect(live.request?.requestId).toBe('_live');
    expect((await store.load(teamId, '_stale')).request).toBeUndefined();
  });

  it('refuses a request whose TTL passed even though DynamoDB has not deleted it yet', async () => {
    await store.saveRequest(request('_expired', -1_000));
    const raw = await db.doc.send(new GetCommand({ TableName: stack.tableName, Key: keys.samlRequest(teamId, '_expired'), ConsistentRead: true }));
    expect(raw.Item?.requestId).toBe('_expired');
    expect(await refusal(store.consume({ teamId, assertionId: 'a3', acceptableUntil: new Date(), requestId: '_expired' }))).toBe('unknown_request');
  });

  it('forgets a used assertion id after its TTL, so the cache stays bounded', async () => {
    await db.put({ ...keys.samlAssertion(teamId, 'old'), type: 'saml_assertion_used', ttl: Math.floor(Date.now() / 1000) - 10 });
    await store.consume({ teamId, assertionId: 'old', acceptableUntil: new Date(Date.now() + 60_000) });
    expect(await refusal(store.consume({ teamId, assertionId: 'old', acceptableUntil: new Date(Date.now() + 60_000) }))).toBe('replayed_assertion');
  });

  it('keeps a used assertion id until a minute after it could last be accepted', async () => {
    const until = new Date(Date.now() + 8 * 60_000);
    await store.consume({ teamId, assertionId: 'ttl', acceptableUntil: until });
    const item = await db.get(keys.samlAssertion(teamId, 'ttl'));
    expect(item?.ttl).toBe(Math.floor(until.getTime() / 1000) + 60);
  });
});
