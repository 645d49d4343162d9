import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  DomainName,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENDPOINT_GROUPS, ROUTES, type EndpointGroup } from '../lambdas/platform/routes.js';
import { TABLE } from '../lambdas/store/table.js';
import type { Config } from '../lambdas/platform/config.js';
import { setupUrls } from '../lambdas/platform/setup-urls.js';
import { REFRESH_INTERVAL_HOURS } from '../lambdas/saml/refresh.js';
import { ApiFunction, type TableAccess } from './constructs/api-function.js';
import type { RegionConfig } from './region-config.js';

/** Repository root: entries are `lambdas/<group>/handler.ts`, the lock file sits at the root. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Stands for the workspace id in the setup URL outputs. */
export const TEAM_ID_PLACEHOLDER = 'TEAM_ID';

type PlatformSecret = 'adminKey' | 'pepper' | 'scimOAuthClient';

interface GroupGrants {
  readonly table: TableAccess;
  readonly secrets: readonly PlatformSecret[];
  /** Per-workspace Okta client secrets (`${WORKSPACE_SECRET_PREFIX}/${team_id}/…`). */
  readonly workspaceSecrets?: 'read' | 'write';
  readonly memorySize: number;
}

/**
 * Least privilege per endpoint group. Every group hashes bearer tokens (or admin sessions), so every
 * group reads the pepper. Only `admin` writes workspace secrets; only `oidc` reads them at sign-in.
 * No endpoint group publishes events: they leave through the outbox (the audit item, the table's
 * stream, the outbox consumer), which alone may put events on the bus.
 */
export const GROUP_GRANTS: Readonly<Record<EndpointGroup, GroupGrants>> = {
  scim: { table: 'RW', secrets: ['pepper'], memorySize: 1024 },
  oidc: { table: 'RW', secrets: ['pepper'], workspaceSecrets: 'read', memorySize: 512 },
  saml: { table: 'RW', secrets: ['pepper'], memorySize: 1024 },
  'universal-logout': { table: 'RW', secrets: ['pepper'], memorySize: 512 },
  'scim-oauth': { table: 'RW', secrets: ['pepper', 'scimOAuthClient'], memorySize: 512 },
  admin: { table: 'RW', secrets: ['adminKey', 'pepper'], workspaceSecrets: 'write', memorySize: 512 },
  tokens: { table: 'RW', secrets: ['adminKey', 'pepper'], memorySize: 512 },
  audit: { table: 'RO', secrets: ['adminKey', 'pepper'], memorySize: 1024 },
};

/**
 * How the outbox consumer follows the table's stream. A record is retried until the bus accepts all
 * of its events; after `retryAttempts` or once it is `maxRecordAge` old — whichever comes first —
 * its batch's description (shard and sequence-number range, not the data) goes to the DLQ. The age
 * limit is half the stream's 24-hour retention, so a redrive from the stream has 12 hours left.
 */
export const OUTBOX_CONSUMER = {
  batchSize: 100,
  retryAttempts: 20,
  maxRecordAge: Duration.hours(12),
  /** SQS's maximum: time to notice and redrive. */
  dlqRetention: Duration.days(14),
} as const;

/**
 * The periodic SAML refresh (lambdas/saml/refresh.ts): re-reads IdP metadata and sends
 * certificate-expiry warnings. A run fetches each metadata URL with a 5 s limit, one workspace after
 * another, so it gets Lambda's longest timeout; a failed invocation is retried twice within the hour
 * (a run converges: each write is guarded by the workspace's `updatedAt`).
 */
export const SAML_REFRESH = {
  intervalHours: REFRESH_INTERVAL_HOURS,
  timeout: Duration.minutes(15),
  retryAttempts: 2,
  maxEventAge: Duration.hours(1),
} as const;

export interface IdpBridgeStackProps extends StackProps {
  /** Data-residency label, e.g. `us`; becomes `REGION_ID`. */
  readonly regionId: string;
  readonly config: RegionConfig;
  /** The other regions' public API URLs (`PEER_REGIONS`), so errors can name the right region. */
  readonly peerApiUrls: Readonly<Record<string, string>>;
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** One data-residency region: table, secrets, bus, HTTP API and one Lambda per endpoint group. */
export class IdpBridgeStack extends Stack {
  readonly table: Table;
  readonly api: HttpApi;
  readonly functions: ReadonlyMap<EndpointGroup, ApiFunction>;
  /** Delivers the events on committed audit items (the outbox) from the table's stream to the bus. */
  readonly outboxFunction: ApiFunction;
  /** Where the outbox's stream batches go once their retries are spent. */
  readonly outboxDlq: Queue;
  /** Events wait for a redrive (a DLQ message) / are late (the consumer lags the stream). */
  readonly outboxAlarms: { readonly dlqNotEmpty: Alarm; readonly lagging: Alarm };
  /** Refreshes SAML metadata and warns of expiring IdP certificates, on `samlRefreshSchedule`. */
  readonly samlRefreshFunction: ApiFunction;
  readonly samlRefreshSchedule: Rule;

  constructor(scope: Construct, id: string, props: IdpBridgeStackProps) {
    super(scope, id, props);
    const { regionId, config } = props;
    const secretPrefix = config.secretPrefix ?? `idp-bridge/${regionId}`;
    const names = {
      adminKey: `${secretPrefix}/admin-key`,
      pepper: `${secretPrefix}/token-pepper`,
      scimOAuthClient: `${secretPrefix}/scim-oauth-client`,
      workspacePrefix: `${secretPrefix}/workspaces`,
    };
    const retention = config.logRetentionDays as RetentionDays;

    // --- Data -----------------------------------------------------------------------------------
    // Encryption: the AWS-managed key (aws/dynamodb). Unlike the default AWS-owned key, every use is
    // visible in this account's CloudTrail; unlike a customer-managed key it needs no key policy,
    // no kms:* grants on eight roles and no $1/month/region, and it cannot be disabled by mistake
    // (which would take the whole region down). Residency is enforced by the stack boundary.
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      // The outbox: every committed change, in order per item, to the consumer that publishes its
      // events. Only new images: audit items are written once, so nothing needs the old one.
      stream: StreamViewType.NEW_IMAGE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of TABLE.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    const indexNames = TABLE.indexes.map((i) => i.name);

    // --- Secrets (values generated by Secrets Manager; never in the template) ---------------------
    // Retained: losing the pepper invalidates every token; losing the OAuth client breaks every
    // tenant's SCIM OAuth connection.
    const secrets: Record<PlatformSecret, Secret> = {
      adminKey: new Secret(this, 'AdminKeySecret', {
        secretName: names.adminKey,
        description: `idp-bridge ${regionId}: platform admin key (Authorization: Bearer) for the admin and host-app APIs`,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy: RemovalPolicy.RETAIN,
      }),
      pepper: new Secret(this, 'TokenPepperSecret', {
        secretName: names.pepper,
        description: `idp-bridge ${regionId}: HMAC-SHA-256 pepper for stored token hashes`,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy: RemovalPolicy.RETAIN,
      }),
      scimOAuthClient: new Secret(this, 'ScimOAuthClientSecret', {
        secretName: names.scimOAuthClient,
        description: `idp-bridge ${regionId}: the OIN SCIM OAuth client {clientId, clientSecret}`,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ clientId: config.scimOAuthClientId ?? `idp-bridge-scim-${regionId}` }),
          generateStringKey: 'clientSecret',
          passwordLength: 48,
          excludePunctuation: true,
        },
        removalPolicy: RemovalPolicy.RETAIN,
      }),
    };
    for (const secret of Object.values(secrets)) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'No automatic rotation: rotating the pepper invalidates every stored token hash, and the admin key and OIN ' +
          'SCIM OAuth client secret are also configured outside AWS (host app, Okta OIN). Rotation is a runbook step.',
      });
    }

    const bus = new EventBus(this, 'EventBus', { eventBusName: `idp-bridge-${regionId}` });

    // --- Functions -------------------------------------------------------------------------------
    const environment: Record<string, string> = {
      TABLE_NAME: this.table.tableName,
      REGION_ID: regionId,
      API_URL: config.apiUrl,
      APP_URL: config.appUrl,
      ADMIN_KEY_SECRET_NAME: names.adminKey,
      PEPPER_SECRET_NAME: names.pepper,
      WORKSPACE_SECRET_PREFIX: names.workspacePrefix,
      SCIM_OAUTH_CLIENT_SECRET_NAME: names.scimOAuthClient,
      EVENT_BUS_NAME: bus.eventBusName,
      PEER_REGIONS: JSON.stringify(props.peerApiUrls),
      LOG_LEVEL: config.logLevel,
      SCIM_OAUTH_REDIRECT_URIS: JSON.stringify(config.scimOAuthRedirectUris),
    };

    const functions = new Map<EndpointGroup, ApiFunction>();
    for (const group of ENDPOINT_GROUPS) {
      const grants = GROUP_GRANTS[group];
      const fn = new ApiFunction(this, `${pascal(group)}Function`, {
        entry: join(REPO_ROOT, 'lambdas', group, 'handler.ts'),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
        description: `idp-bridge ${regionId}: ${group} endpoints`,
        memorySize: grants.memorySize,
        environment,
        logRetention: retention,
        tracingEnabled: config.tracing,
      });
      fn.bindTable(this.table, grants.table, indexNames);
      for (const s of grants.secrets) fn.bindSecret(secrets[s], 'read');
      if (grants.workspaceSecrets) {
        fn.bindWorkspaceSecrets(names.workspacePrefix, grants.workspaceSecrets);
      }
      functions.set(group, fn);
    }
    this.functions = functions;

    // --- Outbox: table stream -> consumer -> bus ---------------------------------------------------
    this.outboxDlq = new Queue(this, 'OutboxDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: OUTBOX_CONSUMER.dlqRetention,
      enforceSSL: true,
    });
    Validations.of(this.outboxDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination (on-failure destination) of the outbox stream consumer.',
    });
    this.outboxFunction = new ApiFunction(this, 'OutboxFunction', {
      entry: join(REPO_ROOT, 'lambdas', 'outbox', 'handler.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: `idp-bridge ${regionId}: outbox, lifecycle events from the table stream to the bus`,
      memorySize: 256,
      // 100 records' events at 10 per PutEvents call, with in-call retries of rejected entries.
      timeout: Duration.seconds(60),
      // Only what it reads: no table, no secrets.
      environment: { EVENT_BUS_NAME: bus.eventBusName, REGION_ID: regionId, LOG_LEVEL: config.logLevel },
      logRetention: retention,
      tracingEnabled: config.tracing,
    });
    this.outboxFunction.bindBus(bus);
    Validations.of(this.outboxFunction.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, which the stream event source mapping needs, supports no resource-level permission; it ' +
        'lists stream ARNs only. Reading records (GetRecords, GetShardIterator, DescribeStream) is granted on this ' +
        "table's stream alone." + (config.tracing ? ' X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions either.' : ''),
    });
    this.outboxFunction.addEventSource(
      new DynamoEventSource(this.table, {
        // TRIM_HORIZON: the first deployment also delivers what the stream already holds.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: OUTBOX_CONSUMER.batchSize,
        bisectBatchOnError: true,
        retryAttempts: OUTBOX_CONSUMER.retryAttempts,
        maxRecordAge: OUTBOX_CONSUMER.maxRecordAge,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.outboxDlq),
        // Only inserts of audit items that carry an outbox (lambdas/store/audit-items.ts `auditItem`).
        // `exists` matches leaves only (Lambda event filtering, "Using the Exists operator"), so the
        // pattern names the `id` string of the list's maps; the consumer checks the same itself.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { type: { S: FilterRule.isEqual('audit') }, outbox: { L: { M: { id: { S: FilterRule.exists() } } } } } },
          }),
        ],
      }),
    );

    // Without actions yet: the stack's monitoring (SNS topic) subscribes to them.
    this.outboxAlarms = {
      dlqNotEmpty: this.outboxDlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }).createAlarm(this, 'OutboxDlqNotEmpty', {
        alarmDescription: `idp-bridge ${regionId}: lifecycle events wait in the outbox DLQ; redrive them within 24 h (README, Lifecycle events)`,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      lagging: this.outboxFunction.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }).createAlarm(this, 'OutboxLagging', {
        alarmDescription: `idp-bridge ${regionId}: the outbox consumer is more than 5 minutes behind the table stream (events are late; the bus may be rejecting them)`,
        threshold: Duration.minutes(5).toMilliseconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    };

    // --- SAML metadata refresh: a schedule -> the refresh function ---------------------------------
    // Table only: it reads workspaces (gsi1 listing) and writes them with their audit records, whose
    // outbox carries the certificate-expiry events; it reads no secret and publishes nothing itself.
    this.samlRefreshFunction = new ApiFunction(this, 'SamlRefreshFunction', {
      entry: join(REPO_ROOT, 'lambdas', 'saml', 'refresh-handler.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: `idp-bridge ${regionId}: SAML metadata refresh and certificate-expiry warnings, every ${SAML_REFRESH.intervalHours} h`,
      memorySize: 512,
      timeout: SAML_REFRESH.timeout,
      environment,
      logRetention: retention,
      tracingEnabled: config.tracing,
    });
    this.samlRefreshFunction.bindTable(this.table, 'RW', indexNames);
    this.samlRefreshSchedule = new Rule(this, 'SamlRefreshSchedule', {
      description: `idp-bridge ${regionId}: refresh SAML metadata and warn of expiring IdP certificates`,
      schedule: Schedule.rate(Duration.hours(SAML_REFRESH.intervalHours)),
      targets: [new LambdaFunction(this.samlRefreshFunction, { retryAttempts: SAML_REFRESH.retryAttempts, maxEventAge: SAML_REFRESH.maxEventAge })],
    });

    // --- HTTP API --------------------------------------------------------------------------------
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `idp-bridge-${regionId}`,
      description: `idp-bridge ${regionId}: SSO, SCIM, Universal Logout, admin and host-app APIs`,
      createDefaultStage: false,
    });

    let domainName: DomainName | undefined;
    if (config.domainName && config.certificateArn) {
      domainName = new DomainName(this, 'ApiDomainName', {
        domainName: config.domainName,
        certificate: Certificate.fromCertificateArn(this, 'ApiCertificate', config.certificateArn),
      });
    }

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integration.latency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
      ...(domainName ? { domainMapping: { domainName } } : {}),
    });

    // One integration per group (never named 'Default'), one route per ROUTES entry.
    const integrations = new Map<EndpointGroup, HttpLambdaIntegration>();
    for (const [group, fn] of functions) {
      integrations.set(group, new HttpLambdaIntegration(`${pascal(group)}Integration`, fn));
    }
    for (const route of ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations.get(route.group)!,
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Authentication happens in the Lambdas by design: Okta calls SCIM with hashed bearer tokens, Universal ' +
        'Logout with signed JWTs, OIDC/SAML endpoints are browser redirects, and the admin/host-app APIs use the ' +
        'platform admin key or a session. None of these callers can sign IAM (SigV4) requests.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'The callers are Okta and other IdPs, browsers and the host app; none authenticates with Cognito.',
    });

    // --- Outputs ---------------------------------------------------------------------------------
    const api = config.apiUrl;
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('ApiUrl', api, 'Public base URL of this region (API_URL)');
    out('ApiGatewayUrl', stage.url, 'The execute-api URL of the default stage');
    if (domainName) {
      out('ApiDomainTarget', domainName.regionalDomainName, `CNAME/alias target for ${config.domainName}`);
    }
    out('AdminUrl', `${api}/admin`, 'Admin web page');
    // The same URLs the admin API returns per workspace (lambdas/platform/setup-urls.ts), with a placeholder.
    const urls = setupUrls(
      { API_URL: config.apiUrl, APP_URL: config.appUrl, REGION_ID: regionId } as Config,
      TEAM_ID_PLACEHOLDER,
    );
    for (const [key, value] of Object.entries(urls)) {
      if (typeof value !== 'string' || !value.startsWith('https://')) continue;
      const hint = value.includes(TEAM_ID_PLACEHOLDER) ? ` (replace ${TEAM_ID_PLACEHOLDER} with the workspace id)` : '';
      out(`Setup${pascal(key)}`, value, `Okta setup: ${key}${hint}`);
    }
    out('SetupOktaInitiateLoginUriTemplate', urls.oktaTemplates.initiateLoginUri, 'OIN template: initiate login URI');
    out('SetupOktaScimBaseUrlTemplate', urls.oktaTemplates.scimBaseUrl, 'OIN template: SCIM base URL');
    out('TableName', this.table.tableName, 'DynamoDB table');
    out('EventBusName', bus.eventBusName, 'EventBridge bus for lifecycle events');
    out('OutboxDlqUrl', this.outboxDlq.queueUrl, 'Outbox stream batches whose events the bus did not accept (redrive: see the README)');
    out('AdminKeySecretName', names.adminKey, 'Secrets Manager secret holding the platform admin key');
    out('ScimOAuthClientSecretName', names.scimOAuthClient, 'Secrets Manager secret holding the OIN SCIM OAuth client');
  }
}
