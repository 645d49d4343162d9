/**
 * The fault proxy itself (dev/fault-proxy.ts), driven with a real DynamoDB client against the run's
 * DynamoDB Local: each fault does what it says, per request, on pooled keep-alive connections.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ensureTable, localDynamoClient } from '../../dev/dynamodb-local.js';
import { startFaultProxy, type FaultProxy } from '../../dev/fault-proxy.js';

const endpoint = inject('dynamoEndpoint');
const tableName = `idp-bridge-test-${randomBytes(6).toString('hex')}`;
let proxy: FaultProxy;
let direct: DynamoDBClient;
let agent: Agent;
/** Through the proxy, one attempt per call (so a fault is seen, not retried away), pooled connections. */
let viaProxy: DynamoDBClient;
/** Through the proxy with the SDK's retries, as the handlers' client has them. */
let retrying: DynamoDBClient;

function client(maxAttempts: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  });
}

beforeAll(async () => {
  await ensureTable(endpoint, tableName);
  const target = new URL(endpoint);
  proxy = await startFaultProxy({ target: { host: target.hostname, port: Number(target.port) } });
  direct = localDynamoClient(endpoint);
  agent = new Agent({ keepAlive: true, maxSockets: 4 });
  viaProxy = client(1);
  retrying = client(4);
});
afterAll(async () => {
  viaProxy.destroy();
  retrying.destroy();
  agent.destroy();
  await proxy.close();
  await direct.send(new DeleteTableCommand({ TableName: tableName }));
  direct.destroy();
});
beforeEach(() => {
  proxy.clear();
  proxy.resetLog();
});

const key = (id: string) => ({ pk: { S: `T#${id}` }, sk: { S: 'item' } });
const put = (c: DynamoDBClient, id: string) => c.send(new PutItemCommand({ TableName: tableName, Item: { ...key(id), v: { S: id } } }));
const get = (c: DynamoDBClient, id: string) => c.send(new GetItemCommand({ TableName: tableName, Key: key(id), ConsistentRead: true }));
const stored = async (id: string) => (await get(direct, id)).Item !== undefined;
const fresh = () => randomBytes(6).toString('hex');

describe('fault proxy', () => {
  it('passes every request through on reused keep-alive connections and names each operation', async () => {
    const id = fresh();
    for (let i = 0; i < 10; i++) await put(viaProxy, id);
    await get(viaProxy, id);
    expect(proxy.seen.map((s) => s.op)).toEqual([...Array(10).fill('PutItem'), 'GetItem']);
    expect(proxy.fired()).toBe(0);
    expect(await stored(id)).toBe(true);
  });

  it('failNext resets only the next request of the named operation, before it reaches the database', async () => {
    const id = fresh();
    await put(viaProxy, fresh()); // warms a pooled connection, so the fault hits a reused one
    proxy.failNext('PutItem');
    await get(viaProxy, id); // other operations pass
    await expect(put(viaProxy, id)).rejects.toThrow();
    expect(await stored(id)).toBe(false);
    await put(viaProxy, id); // only one was taken
    expect(await stored(id)).toBe(true);
    expect(proxy.seen.map((s) => `${s.op}:${s.fault}`)).toEqual(['PutItem:pass', 'GetItem:pass', 'PutItem:reset', 'PutItem:pass']);
  });

  it('killNext lets the write commit and cuts the connection before the answer, so the client sees a failure', async () => {
    const id = fresh();
    proxy.killNext('PutItem');
    await expect(put(viaProxy, id)).rejects.toThrow();
    expect(proxy.fired('kill')).toBe(1);
    expect(await stored(id)).toBe(true);
  });

  it('a killed TransactWriteItems that the SDK retries with its ClientRequestToken succeeds once, not twice', async () => {
    // Why a single kill rarely reaches a client: the transaction is idempotent across the SDK's
    // retries (the token is serialised once), so its conditional retry is not refused.
    const id = fresh();
    proxy.killNext('TransactWriteItems');
    await retrying.send(
      new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: tableName, Item: { ...key(id), v: { S: id } }, ConditionExpression: 'attribute_not_exists(pk)' } }] }),
    );
    expect(proxy.seen.map((s) => s.fault)).toEqual(['kill', 'pass']);
    expect(await stored(id)).toBe(true);
  });

  it('throttleNext answers DynamoDB\'s ThrottlingException, which the SDK retries', async () => {
    proxy.throttleNext('GetItem');
    await expect(get(viaProxy, fresh())).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    proxy.throttleNext('GetItem', 2);
    await get(retrying, fresh());
    expect(proxy.seen.map((s) => s.fault)).toEqual(['throttle', 'throttle', 'throttle', 'pass']);
  });

  it('targets the nth matching request', async () => {
    proxy.add({ fault: 'reset', op: 'PutItem', nth: 3 });
    const ids = [fresh(), fresh(), fresh(), fresh()];
    const outcomes: boolean[] = [];
    for (const id of ids) outcomes.push(await put(viaProxy, id).then(() => true, () => false));
    expect(outcomes).toEqual([true, true, false, true]);
    expect(await Promise.all(ids.map(stored))).toEqual([true, true, false, true]);
  });

  it('stall holds a request unanswered until cleared, then resets it without writing', async () => {
    const id = fresh();
    proxy.stall();
    let settled = false;
    const pending = put(viaProxy, id).finally(() => (settled = true));
    pending.catch(() => undefined);
    while (proxy.fired('stall') === 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    proxy.clear();
    await expect(pending).rejects.toThrow();
    expect(await stored(id)).toBe(false);
    await put(viaProxy, id);
    expect(await stored(id)).toBe(true);
  });

  it('stall(ms) ends by itself: the held request is reset without writing, and later requests pass', async () => {
    const id = fresh();
    proxy.stall(200);
    await expect(put(viaProxy, id)).rejects.toThrow();
    expect(proxy.fired('stall')).toBe(1);
    expect(await stored(id)).toBe(false);
    await put(viaProxy, id);
    expect(await stored(id)).toBe(true);
  });

  it('drop resets pooled and new connections until cleared; the SDK\'s retries do not get through', async () => {
    const id = fresh();
    await put(viaProxy, fresh());
    proxy.drop();
    await expect(put(retrying, id)).rejects.toThrow();
    await expect(put(viaProxy, id)).rejects.toThrow();
    expect(await stored(id)).toBe(false);
    proxy.clear();
    await put(viaProxy, id);
    expect(await stored(id)).toBe(true);
  });

  it('outageAfter lets the first requests pass, kills the next one after it commits and resets all later ones', async () => {
    const [a, b, c] = [fresh(), fresh(), fresh()];
    proxy.outageAfter(1, 'kill');
    await put(viaProxy, a);
    await expect(put(viaProxy, b)).rejects.toThrow();
    await expect(put(viaProxy, c)).rejects.toThrow();
    expect(await Promise.all([a, b, c].map(stored))).toEqual([true, true, false]);
    expect(proxy.seen.map((s) => s.fault)).toEqual(['pass', 'kill', 'reset']);
  });
});
