/**
 * Review #12: DynamoDB Local has no authentication and no bind option, so anyone on the network
 * could read and rewrite the table. With `loopbackOnly` (what `npm start` uses) the JVM runs in its
 * own network namespace and only 127.0.0.1 reaches it, where the machine allows that.
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { canIsolate, localDynamoClient, startDynamoDbLocal, type DynamoDbLocal } from '../../dev/dynamodb-local.js';

let ddb: DynamoDbLocal | undefined;
afterAll(() => ddb?.stop());

/** Whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port, timeout: 2_000 });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
    s.once('timeout', () => {
      s.destroy();
      res(false);
    });
  });
}

describe('DynamoDB Local with loopbackOnly (review #12)', () => {
  it('answers on 127.0.0.1 and refuses connections on the machine\'s network addresses', async () => {
    ddb = await startDynamoDbLocal({ loopbackOnly: true });
    const client = localDynamoClient(ddb.endpoint);
    try {
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      client.destroy();
    }
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    expect(external.length).toBeGreaterThan(0);
    const open = await Promise.all(external.map((a) => reachable(a, ddb!.port)));
    // Where the machine refuses unprivileged network namespaces, the fallback is the jar's own
    // behaviour (every interface), and the handle says so (npm start prints a note).
    expect(ddb.loopbackOnly).toBe(canIsolate());
    expect(open.every((o) => o === !ddb!.loopbackOnly)).toBe(true);
  }, 60_000);
});
