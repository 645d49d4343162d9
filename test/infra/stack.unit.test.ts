import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENDPOINT_GROUPS, ROUTES, type EndpointGroup } from '../../lambdas/platform/routes.js';
import { TABLE } from '../../lambdas/store/table.js';
import { loadConfig } from '../../lambdas/platform/config.js';
import { buildApp } from '../../lib/app.js';
import { GROUP_GRANTS, OUTBOX_CONSUMER, REPO_ROOT, SAML_REFRESH, type IdpBridgeStack } from '../../lib/idp-bridge-stack.js';
import { parseRegions, REGIONS_CONTEXT_KEY, type RegionsInput } from '../../lib/region-config.js';

/** The region map that ships in cdk.json: the tests check what `cdk deploy` would deploy. */
const SHIPPED: RegionsInput = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context[REGIONS_CONTEXT_KEY];
const REGION_IDS = ['us', 'eu'] as const;
/** Bundles of every group but SAML (which carries @node-saml/node-saml) must stay small. */
const MAX_BUNDLE_BYTES = 300 * 1024;
const MAX_SAML_BUNDLE_BYTES = 1536 * 1024;
/** Admin serves the admin web page's assets and parses SAML IdP metadata (@xmldom/xmldom, about 70 KB). */
const MAX_ADMIN_BUNDLE_BYTES = 512 * 1024;

type Resource = { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let outdir: string;
let app: App;
let stacks: Map<string, IdpBridgeStack>;
const templates = new Map<string, Template>();

beforeAll(() => {
  // One synthesized App with both stacks, shared by every test in this file. Bundles do not depend on
  // the region (its settings are environment variables), so only UsStack bundles: 8 esbuild runs, not 16.
  outdir = mkdtempSync(join(tmpdir(), 'idp-bridge-cdk-'));
  ({ app, stacks } = buildApp(SHIPPED, { appProps: { outdir, context: { 'aws:cdk:bundling-stacks': ['UsStack'] } } }));
  app.synth(); // also runs the cdk-nag validation plugin: throws on any unacknowledged error
  for (const id of REGION_IDS) templates.set(id, Template.fromStack(stacks.get(id)!));
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function tpl(id: string): Template {
  return templates.get(id)!;
}

function resourcesOf(t: Template, type: string): Record<string, Resource> {
  return t.findResources(type) as Record<string, Resource>;
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Every statement of every IAM policy (AWS::IAM::Policy documents and roles' inline policies). */
function allStatements(t: Template): { owner: string; statement: Statement }[] {
  const out: { owner: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(resourcesOf(t, 'AWS::IAM::Policy'))) {
    for (const s of r.Properties.PolicyDocument.Statement) out.push({ owner: id, statement: s });
  }
  for (const [id, r] of Object.entries(resourcesOf(t, 'AWS::IAM::Role'))) {
    for (const p of asArray<any>(r.Properties.Policies)) {
      for (const s of p.PolicyDocument.Statement) out.push({ owner: id, statement: s });
    }
  }
  return out;
}

/** The functions that serve no route: the outbox consumer and the scheduled SAML refresh. */
type Background = 'outbox' | 'saml-refresh';

/** Logical id of a group's function (or of a background function) in a stack. */
function functionId(stackId: string, group: EndpointGroup | Background): string {
  const stack = stacks.get(stackId)!;
  const fn = group === 'outbox' ? stack.outboxFunction : group === 'saml-refresh' ? stack.samlRefreshFunction : stack.functions.get(group)!;
  return stack.getLogicalId(fn.node.defaultChild as any);
}

/** The API functions (one per endpoint group), without the outbox consumer. */
function apiFunctions(stackId: string): Resource[] {
  const all = resourcesOf(tpl(stackId), 'AWS::Lambda::Function');
  return ENDPOINT_GROUPS.map((g) => all[functionId(stackId, g)]!);
}

/** The Allow statements attached to a group's (or the outbox consumer's) execution role. */
function grantsOf(stackId: string, group: EndpointGroup | Background): Statement[] {
  const t = tpl(stackId);
  const fn = resourcesOf(t, 'AWS::Lambda::Function')[functionId(stackId, group)]!;
  const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(resourcesOf(t, 'AWS::IAM::Policy'))
    .filter((p) => asArray<any>(p.Properties.Roles).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}

function actionsOf(stackId: string, group: EndpointGroup | Background): Set<string> {
  return new Set(grantsOf(stackId, group).flatMap((s) => asArray(s.Action)));
}

/** Resources (as JSON text) a group may use a given action on. */
function resourcesFor(stackId: string, group: EndpointGroup | Background, action: string): string[] {
  return grantsOf(stackId, group)
    .filter((s) => asArray(s.Action).includes(action))
    .flatMap((s) => asArray(s.Resource).map((r) => JSON.stringify(r)));
}

function logicalIdOfType(t: Template, type: string, nameProp: string, name: string): string {
  const hit = Object.entries(resourcesOf(t, type)).find(([, r]) => r.Properties[nameProp] === name);
  if (!hit) throw new Error(`no ${type} named ${name}`);
  return hit[0];
}

describe.each(REGION_IDS)('%s stack', (regionId) => {
  it('has one on-demand table with PITR, TTL, both GSIs and DeletionPolicy Retain', () => {
    const t = tpl(regionId);
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
        SSESpecification: { SSEEnabled: true }, // KMS with the AWS-managed key aws/dynamodb
        DeletionProtectionEnabled: true,
        // The outbox: the consumer reads new images of committed items.
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: TABLE.indexes.map((i) => ({
          IndexName: i.name,
          KeySchema: [
            { AttributeName: i.partitionKey, KeyType: 'HASH' },
            { AttributeName: i.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    });
    const table = Object.values(resourcesOf(t, 'AWS::DynamoDB::Table'))[0]!;
    for (const a of table.Properties.AttributeDefinitions) expect(a.AttributeType).toBe('S');
  });

  it('has eight API functions, the outbox consumer and the SAML refresh, all nodejs22.x on arm64, the API ones within the API Gateway timeout', () => {
    const t = tpl(regionId);
    const fns = Object.values(resourcesOf(t, 'AWS::Lambda::Function'));
    expect(fns).toHaveLength(ENDPOINT_GROUPS.length + 2);
    for (const fn of apiFunctions(regionId)) {
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(29);
      expect([512, 1024]).toContain(fn.Properties.MemorySize);
    }
    for (const fn of fns) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
      // Each function logs to its own log group with a retention.
      const lg = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(resourcesOf(t, 'AWS::Logs::LogGroup')[lg]!.Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('routes every ROUTES entry to its group, one integration per group', () => {
    const t = tpl(regionId);
    const routes = Object.values(resourcesOf(t, 'AWS::ApiGatewayV2::Route'));
    const integrations = resourcesOf(t, 'AWS::ApiGatewayV2::Integration');
    expect(routes).toHaveLength(ROUTES.length);
    expect(Object.keys(integrations)).toHaveLength(ENDPOINT_GROUPS.length);
    const byKey = new Map(routes.map((r) => [r.Properties.RouteKey as string, r]));
    for (const def of ROUTES) {
      const route = byKey.get(`${def.method} ${def.path}`);
      expect(route, `${def.method} ${def.path}`).toBeDefined();
      const integrationId = route!.Properties.Target['Fn::Join'][1][1].Ref as string;
      const uri = integrations[integrationId]!.Properties.IntegrationUri;
      expect(uri['Fn::GetAtt'][0], `${def.method} ${def.path} -> ${def.group}`).toBe(functionId(regionId, def.group));
    }
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('gives every API function the complete environment the config loader requires', () => {
    const region = parseRegions(SHIPPED)[regionId]!;
    const peers = Object.fromEntries(
      REGION_IDS.filter((id) => id !== regionId).map((id) => [id, parseRegions(SHIPPED)[id]!.apiUrl]),
    );
    for (const fn of apiFunctions(regionId)) {
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(env.REGION_ID).toBe(regionId);
      expect(env.API_URL).toBe(region.apiUrl);
      expect(env.APP_URL).toBe(region.appUrl);
      expect(JSON.parse(env.PEER_REGIONS as string)).toEqual(peers);
      expect(env.WORKSPACE_SECRET_PREFIX).toBe(`idp-bridge/${regionId}/workspaces`);
      expect(env).not.toHaveProperty('LOCAL_MODE');
      expect(env).not.toHaveProperty('DYNAMODB_ENDPOINT');
      expect(env).not.toHaveProperty('SECRETS_FILE');
      // Tokens (table and bus names) resolve at deploy time; everything else must satisfy loadConfig.
      const resolved = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : `deploy-time-${k}`]),
      );
      for (const key of ['TABLE_NAME', 'EVENT_BUS_NAME']) expect(resolved[key]).toBeTruthy();
      const config = loadConfig(resolved);
      expect(config.REGION_ID).toBe(regionId);
      expect(config.PEER_REGIONS).toEqual(peers);
    }
  });

  it('creates the platform secrets with generated values and one event bus', () => {
    const t = tpl(regionId);
    t.resourceCountIs('AWS::SecretsManager::Secret', 3);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: `idp-bridge/${regionId}/token-pepper`,
      GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
    });
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: `idp-bridge/${regionId}/admin-key`,
      GenerateSecretString: Match.objectLike({ ExcludePunctuation: true }),
    });
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: `idp-bridge/${regionId}/scim-oauth-client`,
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: JSON.stringify({ clientId: `idp-bridge-scim-${regionId}` }),
        GenerateStringKey: 'clientSecret',
      }),
    });
    for (const s of Object.values(resourcesOf(t, 'AWS::SecretsManager::Secret'))) {
      expect(s.DeletionPolicy).toBe('Retain');
      expect(s.Properties).not.toHaveProperty('SecretString');
    }
    t.resourceCountIs('AWS::Events::EventBus', 1);
    t.hasResourceProperties('AWS::Events::EventBus', { Name: `idp-bridge-${regionId}` });
  });

  it('outputs the API URL and the region-specific setup URLs', () => {
    const t = tpl(regionId);
    const api = parseRegions(SHIPPED)[regionId]!.apiUrl;
    t.hasOutput('ApiUrl', { Value: api });
    t.hasOutput('SetupScimBaseUrl', { Value: `${api}/api/scim/v2/TEAM_ID` });
    t.hasOutput('SetupRedirectUri', { Value: `${api}/api/okta/oidc/callback` });
    t.hasOutput('SetupUniversalLogoutEndpoint', { Value: `${api}/api/okta/universal-logout` });
    t.hasOutput('SetupSamlAcsUrl', { Value: `${api}/api/saml/TEAM_ID/acs` });
    t.hasOutput('ApiGatewayUrl', {});
  });

  it('has no IAM statement with Action "*" or Resource "*" for dynamodb, secretsmanager or events', () => {
    const offenders: string[] = [];
    for (const { owner, statement } of allStatements(tpl(regionId))) {
      const actions = asArray(statement.Action);
      const resources = asArray(statement.Resource);
      if (actions.some((a) => a === '*' || /^[a-z0-9-]+:\*$/.test(a))) offenders.push(`${owner}: ${actions.join(',')}`);
      // The one exception: ListStreams has no resource-level permission (it lists stream ARNs, no data).
      if (actions.length === 1 && actions[0] === 'dynamodb:ListStreams' && owner.startsWith('OutboxFunctionRole')) continue;
      const scoped = actions.some((a) => /^(dynamodb|secretsmanager|events):/.test(a));
      if (scoped && resources.some((r) => r === '*')) offenders.push(`${owner}: ${actions.join(',')} on *`);
      // Never a whole-account wildcard such as table/* or index/* either.
      if (scoped && resources.some((r) => /:table\/\*|\/index\/\*/.test(JSON.stringify(r)))) {
        offenders.push(`${owner}: ${JSON.stringify(resources)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('grants each group only what it needs', () => {
    const t = tpl(regionId);
    const tableId = Object.keys(resourcesOf(t, 'AWS::DynamoDB::Table'))[0]!;
    const busId = Object.keys(resourcesOf(t, 'AWS::Events::EventBus'))[0]!;
    const secretId = (name: string) => logicalIdOfType(t, 'AWS::SecretsManager::Secret', 'Name', `idp-bridge/${regionId}/${name}`);
    const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    const readsSecret = (g: EndpointGroup, name: string) =>
      resourcesFor(regionId, g, 'secretsmanager:GetSecretValue').some((r) => r.includes(secretId(name)));

    // The audit function reads only.
    const audit = actionsOf(regionId, 'audit');
    expect(audit.has('dynamodb:Query')).toBe(true);
    for (const w of writes) expect(audit.has(w), w).toBe(false);
    expect(audit.has('dynamodb:Scan')).toBe(false);

    // No API function publishes events (bus: false): they leave through the outbox consumer alone.
    const expectations: Record<EndpointGroup, { adminKey: boolean; oauth: boolean; wsWrite: boolean; wsRead: boolean; bus: boolean; rw: boolean }> = {
      scim: { adminKey: false, oauth: false, wsWrite: false, wsRead: false, bus: false, rw: true },
      oidc: { adminKey: false, oauth: false, wsWrite: false, wsRead: true, bus: false, rw: true },
      saml: { adminKey: false, oauth: false, wsWrite: false, wsRead: false, bus: false, rw: true },
      'universal-logout': { adminKey: false, oauth: false, wsWrite: false, wsRead: false, bus: false, rw: true },
      'scim-oauth': { adminKey: false, oauth: true, wsWrite: false, wsRead: false, bus: false, rw: true },
      admin: { adminKey: true, oauth: false, wsWrite: true, wsRead: true, bus: false, rw: true },
      tokens: { adminKey: true, oauth: false, wsWrite: false, wsRead: false, bus: false, rw: true },
      audit: { adminKey: true, oauth: false, wsWrite: false, wsRead: false, bus: false, rw: false },
    };
    for (const group of ENDPOINT_GROUPS) {
      const e = expectations[group];
      const actions = actionsOf(regionId, group);
      const label = (what: string) => `${group}: ${what}`;
      expect(readsSecret(group, 'token-pepper'), label('pepper')).toBe(true);
      expect(readsSecret(group, 'admin-key'), label('admin key')).toBe(e.adminKey);
      expect(readsSecret(group, 'scim-oauth-client'), label('SCIM OAuth client')).toBe(e.oauth);
      expect(actions.has('secretsmanager:CreateSecret'), label('CreateSecret')).toBe(e.wsWrite);
      expect(actions.has('secretsmanager:PutSecretValue'), label('PutSecretValue')).toBe(e.wsWrite);
      const ws = resourcesFor(regionId, group, 'secretsmanager:GetSecretValue').filter((r) => r.includes('workspaces/*'));
      expect(ws.length > 0, label('workspace secrets')).toBe(e.wsRead);
      for (const r of ws) expect(r).toContain(`secret:idp-bridge/${regionId}/workspaces/*`);
      expect(actions.has('events:PutEvents'), label('PutEvents')).toBe(e.bus);
      if (e.bus) {
        for (const r of resourcesFor(regionId, group, 'events:PutEvents')) expect(r).toContain(busId);
      }
      expect(actions.has('dynamodb:PutItem'), label('PutItem')).toBe(e.rw);
      expect(GROUP_GRANTS[group].table).toBe(e.rw ? 'RW' : 'RO');
      // Table grants name the table and its two indexes, nothing else.
      const tableResources = resourcesFor(regionId, group, 'dynamodb:Query');
      expect(tableResources.length, label('table resources')).toBe(1 + TABLE.indexes.length);
      for (const r of tableResources) expect(r).toContain(tableId);
      for (const i of TABLE.indexes) expect(tableResources.some((r) => r.includes(`/index/${i.name}`))).toBe(true);
      // Logs: only its own log group; no AWSLambdaBasicExecutionRole.
      for (const r of resourcesFor(regionId, group, 'logs:PutLogEvents')) expect(r).toMatch(/Logs[0-9A-F]{8}/);
    }
    for (const r of Object.values(resourcesOf(t, 'AWS::IAM::Role'))) expect(r.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('follows the table stream with the outbox consumer: only outbox inserts, partial batch failures, bisect, bounded retries, a DLQ', () => {
    const t = tpl(regionId);
    const tableId = Object.keys(resourcesOf(t, 'AWS::DynamoDB::Table'))[0]!;
    const dlqId = Object.keys(resourcesOf(t, 'AWS::SQS::Queue'))[0]!;
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    const mapping = Object.values(resourcesOf(t, 'AWS::Lambda::EventSourceMapping'))[0]!.Properties;
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      FunctionName: { Ref: functionId(regionId, 'outbox') },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: OUTBOX_CONSUMER.batchSize,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: OUTBOX_CONSUMER.retryAttempts,
      MaximumRecordAgeInSeconds: OUTBOX_CONSUMER.maxRecordAge.toSeconds(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
    });
    // Retries end well inside the stream's 24-hour retention, so the DLQ's range can still be read.
    expect(mapping.MaximumRecordAgeInSeconds).toBeLessThan(24 * 3600);
    // The filter lets through exactly the inserts of audit items that carry an outbox entry.
    expect(mapping.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([
      {
        eventName: ['INSERT'],
        dynamodb: { NewImage: { type: { S: ['audit'] }, outbox: { L: { M: { id: { S: [{ exists: true }] } } } } } },
      },
    ]);
  });

  it('alarms when outbox events wait in the DLQ or the consumer lags the stream', () => {
    const t = tpl(regionId);
    const dlqId = Object.keys(resourcesOf(t, 'AWS::SQS::Queue'))[0]!;
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(regionId, 'outbox') } }],
      Threshold: 300_000,
    });
  });

  it('keeps the outbox DLQ encrypted, TLS-only and for 14 days', () => {
    const t = tpl(regionId);
    t.resourceCountIs('AWS::SQS::Queue', 1);
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const dlqId = Object.keys(resourcesOf(t, 'AWS::SQS::Queue'))[0]!;
    const policy = Object.values(resourcesOf(t, 'AWS::SQS::QueuePolicy')).find((p) => JSON.stringify(p.Properties.Queues).includes(dlqId))!;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('lets the outbox consumer put events on this bus, read this stream and write its DLQ, and nothing else', () => {
    const t = tpl(regionId);
    const busId = Object.keys(resourcesOf(t, 'AWS::Events::EventBus'))[0]!;
    const tableId = Object.keys(resourcesOf(t, 'AWS::DynamoDB::Table'))[0]!;
    const dlqId = Object.keys(resourcesOf(t, 'AWS::SQS::Queue'))[0]!;
    const actions = [...actionsOf(regionId, 'outbox')].sort();
    expect(actions).toEqual(
      [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'events:PutEvents',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(resourcesFor(regionId, 'outbox', 'events:PutEvents')).toEqual([JSON.stringify({ 'Fn::GetAtt': [busId, 'Arn'] })]);
    for (const a of ['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream']) {
      expect(resourcesFor(regionId, 'outbox', a)).toEqual([JSON.stringify({ 'Fn::GetAtt': [tableId, 'StreamArn'] })]);
    }
    expect(resourcesFor(regionId, 'outbox', 'sqs:SendMessage')).toEqual([JSON.stringify({ 'Fn::GetAtt': [dlqId, 'Arn'] })]);
    // Its environment names the bus and the region only: no table, no secrets.
    const env = resourcesOf(t, 'AWS::Lambda::Function')[functionId(regionId, 'outbox')]!.Properties.Environment.Variables;
    expect(Object.keys(env).sort()).toEqual(['EVENT_BUS_NAME', 'LOG_LEVEL', 'NODE_OPTIONS', 'REGION_ID']);
    expect(env.EVENT_BUS_NAME).toEqual({ Ref: busId });
  });
});

describe.each(REGION_IDS)('%s stack: the periodic SAML refresh', (regionId) => {
  it(`runs the refresh function every ${SAML_REFRESH.intervalHours} hours from an EventBridge schedule, with bounded retries`, () => {
    const t = tpl(regionId);
    const fnId = functionId(regionId, 'saml-refresh');
    const rules = Object.entries(resourcesOf(t, 'AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0]!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(6 hours)');
    expect(rule.Properties.State).toBe('ENABLED');
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: SAML_REFRESH.retryAttempts, MaximumEventAgeInSeconds: 3600 },
      }),
    ]);
    // Only this rule may invoke it.
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    const fn = resourcesOf(t, 'AWS::Lambda::Function')[fnId]!;
    expect(fn.Properties.Timeout).toBe(SAML_REFRESH.timeout.toSeconds());
    // The environment the config loader requires (getDeps at cold start).
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    const config = loadConfig(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : `deploy-time-${k}`])));
    expect(config.REGION_ID).toBe(regionId);
  });

  it('lets the refresh read and write the table (its index listing included) and nothing else: no secret, no bus, no Scan', () => {
    const t = tpl(regionId);
    const tableId = Object.keys(resourcesOf(t, 'AWS::DynamoDB::Table'))[0]!;
    const actions = actionsOf(regionId, 'saml-refresh');
    for (const a of ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem']) expect(actions.has(a), a).toBe(true);
    expect(actions.has('dynamodb:Scan')).toBe(false);
    expect([...actions].filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('logs:'))).toEqual([]);
    expect(resourcesFor(regionId, 'saml-refresh', 'dynamodb:Query').join(' ')).toContain(tableId);
  });
});

describe('both stacks', () => {
  it('keep each region to itself: REGION_ID, API_URL and the table differ', () => {
    const envOf = (id: string) =>
      Object.values(resourcesOf(tpl(id), 'AWS::Lambda::Function'))[0]!.Properties.Environment.Variables;
    expect(envOf('us').REGION_ID).not.toBe(envOf('eu').REGION_ID);
    expect(envOf('us').API_URL).not.toBe(envOf('eu').API_URL);
    expect(stacks.get('us')!.region).toBe('us-east-1');
    expect(stacks.get('eu')!.region).toBe('eu-central-1');
    expect(stacks.get('us')!.stackName).toBe('UsStack');
    expect(stacks.get('eu')!.stackName).toBe('EuStack');
  });

  it('pass cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('bundle every function as minified ESM, small enough (SAML and admin may be larger)', () => {
    const t = tpl('us');
    const oversized: string[] = [];
    for (const group of [...ENDPOINT_GROUPS, 'outbox' as const, 'saml-refresh' as const]) {
      const fn = resourcesOf(t, 'AWS::Lambda::Function')[functionId('us', group)]!;
      const key = fn.Properties.Code.S3Key as string;
      const file = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
      const src = readFileSync(file, 'utf8');
      expect(src.startsWith("import { createRequire as __idpCreateRequire } from 'node:module';"), group).toBe(true);
      // The runtime provides the AWS SDK: no @aws-sdk source may be bundled (the source map lists them).
      const sources: string[] = JSON.parse(readFileSync(`${file}.map`, 'utf8')).sources;
      expect(sources.filter((f) => f.includes('node_modules/@aws-sdk/')), group).toEqual([]);
      const size = statSync(file).size;
      const max = group === 'saml' ? MAX_SAML_BUNDLE_BYTES : group === 'admin' ? MAX_ADMIN_BUNDLE_BYTES : MAX_BUNDLE_BYTES;
      if (size > max) oversized.push(`${group}: ${Math.round(size / 1024)} KB > ${max / 1024} KB`);
    }
    expect(oversized).toEqual([]);
  });
});

describe('region config', () => {
  const base = SHIPPED.us!;

  it('names the bad key', () => {
    expect(() => parseRegions({ us: { ...base, apiURL: 'https://x.example.com' } })).toThrow(
      /idp-bridge:regions\.us.*apiURL/,
    );
    expect(() => parseRegions({ us: { ...base, apiUrl: 'http://api.example.com' } })).toThrow(
      /idp-bridge:regions\.us\.apiUrl: must be an https/,
    );
    expect(() => parseRegions({ us: { ...base, awsRegion: 'mars' } })).toThrow(/idp-bridge:regions\.us\.awsRegion/);
    expect(() => parseRegions({ US: base })).toThrow(/idp-bridge:regions\.US/);
    expect(() => parseRegions({ us: base, eu: { ...base } })).toThrow(/idp-bridge:regions\.eu\.stackName: same stack name/);
    expect(() => parseRegions({ us: { ...base, domainName: 'api.example.com' } })).toThrow(/certificateArn/);
    expect(() => parseRegions({})).toThrow(/at least one region/);
  });

  it('accepts a JSON string (cdk -c) and defaults the optional keys', () => {
    const parsed = parseRegions(JSON.stringify({ us: base }));
    expect(parsed.us).toMatchObject({ logLevel: 'INFO', logRetentionDays: 90, tracing: false });
  });

  it('maps an optional custom domain to the default stage', () => {
    // Bundling is skipped for this variant: it checks the template shape only.
    const { stacks: s } = buildApp(
      {
        us: {
          ...base,
          apiUrl: 'https://api.acme.example',
          domainName: 'api.acme.example',
          certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234',
          account: '123456789012',
          tracing: true,
        },
      },
      { appProps: { context: { 'aws:cdk:bundling-stacks': [] } } },
    );
    const t = Template.fromStack(s.get('us')!);
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'api.acme.example' });
    t.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    t.hasOutput('ApiDomainTarget', {});
    t.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    expect(JSON.parse(Object.values(resourcesOf(t, 'AWS::Lambda::Function'))[0]!.Properties.Environment.Variables.PEER_REGIONS)).toEqual({});
  });
});
