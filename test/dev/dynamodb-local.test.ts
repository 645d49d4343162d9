import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensureTable, localDynamoClient } from '../../dev/dynamodb-local.js';
import { ensureLocalSecrets, LOCAL_SECRET_NAMES } from '../../dev/env.js';

describe('ensureTable', () => {
  const endpoint = inject('dynamoEndpoint');
  const client = localDynamoClient(endpoint);
  const tableName = `idp-bridge-test-${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });

  it('creates the single table on demand with both GSIs projecting ALL and TTL on, and is idempotent', async () => {
    await ensureTable(endpoint, tableName);
    await ensureTable(endpoint, tableName);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    const gsis = (Table?.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g.KeySchema?.map((k) => k.AttributeName), g.Projection?.ProjectionType]);
    expect(gsis.sort()).toEqual([
      ['gsi1', ['gsi1pk', 'gsi1sk'], 'ALL'],
      ['gsi2', ['gsi2pk', 'gsi2sk'], 'ALL'],
    ]);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
  });
});

describe('ensureLocalSecrets', () => {
  let dir: string;
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('generates the admin key, pepper and SCIM OAuth client once and keeps them across starts', async () => {
    dir = await mkdtemp(join(tmpdir(), 'idp-bridge-secrets-'));
    const file = join(dir, 'nested', 'secrets.json');
    const first = await ensureLocalSecrets(file);
    expect(first.pepper).toHaveLength(64);
    expect(first.scimOAuthClient.clientId).toBe('okta-scim');
    expect(first.scimOAuthClient.clientSecret.length).toBeGreaterThanOrEqual(43);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const second = await ensureLocalSecrets(file);
    expect(second).toEqual(first);

    const withKey = await ensureLocalSecrets(file, { adminKey: 'from-ADMIN_API_KEY' });
    expect(withKey).toEqual({ ...first, adminKey: 'from-ADMIN_API_KEY' });
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    expect(stored[LOCAL_SECRET_NAMES.adminKey]).toBe('from-ADMIN_API_KEY');
    expect(JSON.parse(stored[LOCAL_SECRET_NAMES.scimOAuthClient]!)).toEqual(first.scimOAuthClient);
  });
});
