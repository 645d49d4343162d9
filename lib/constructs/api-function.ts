import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * ESM bundles that contain CommonJS dependencies call `require` for Node built-ins; ESM has no
 * `require`, so define one. The import is aliased so it cannot clash with a bundled `createRequire`.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __idpCreateRequire } from 'node:module'; const require = __idpCreateRequire(import.meta.url);";

/** Table actions per access mode. Transactions are authorised through these item actions. */
const TABLE_ACTIONS = {
  RO: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  RW: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
} as const;

export type TableAccess = keyof typeof TABLE_ACTIONS;

export interface ApiFunctionProps
  extends Omit<NodejsFunctionProps, 'runtime' | 'architecture' | 'role' | 'logGroup' | 'logRetention'> {
  /** Absolute path of the handler module (`lambdas/<group>/handler.ts`). */
  readonly entry: string;
  /** Retention of the function's own log group. */
  readonly logRetention: RetentionDays;
  /** X-Ray active tracing. @default false */
  readonly tracingEnabled?: boolean;
}

/**
 * The house Lambda: Node.js 22 on arm64, bundled locally by esbuild as minified ESM with a source
 * map, its own log group and its own role that starts with nothing but "write to my log group".
 * Every other permission is added explicitly with the `bind*` helpers, scoped to one resource.
 */
export class ApiFunction extends NodejsFunction {
  readonly logGroupRef: LogGroup;
  private readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    const { logRetention, tracingEnabled, bundling, environment, ...rest } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // No AWSLambdaBasicExecutionRole: that managed policy may write to every log group in the account.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    super(scope, id, {
      memorySize: 512,
      timeout: Duration.seconds(29), // API Gateway's integration timeout is 30 s
      ...rest,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      role,
      logGroup,
      tracing: tracingEnabled ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The nodejs22.x runtime ships AWS SDK v3 together with the @smithy packages it is built
        // on (we import @smithy/node-http-handler for keep-alive tuning); keeping both out keeps
        // bundles small and the SDK consistent with itself.
        externalModules: ['@aws-sdk/*', '@smithy/*'],
        ...bundling,
      },
    });
    this.logGroupRef = logGroup;
    this.executionRole = role;

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: the local server and tests run on the same pinned Node 22 ' +
        '(node devDependency), so Lambda and local behaviour match. Moving to 24 is one change for both.',
    });
    if (tracingEnabled) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.',
      });
    }
  }

  /** Item-level access to the table and each of its (named) indexes; never `index/*`, never Scan. */
  bindTable(table: ITable, access: TableAccess, indexNames: readonly string[]): this {
    this.executionRole.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...TABLE_ACTIONS[access]],
        resources: [table.tableArn, ...indexNames.map((name) => `${table.tableArn}/index/${name}`)],
      }),
    );
    return this;
  }

  /** Read one stack-managed secret (the admin key, the pepper, the SCIM OAuth client). */
  bindSecret(secret: ISecret, _mode: 'read'): this {
    this.executionRole.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secret.secretArn],
      }),
    );
    return this;
  }

  /**
   * Access to the per-workspace secrets created at run time as `${prefix}/${team_id}/…`. The ARN
   * pattern is confined to the prefix (Secrets Manager appends a random 6-character suffix).
   */
  bindWorkspaceSecrets(prefix: string, mode: 'read' | 'write'): this {
    const stack = Stack.of(this);
    const arn = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${prefix}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const actions =
      mode === 'read'
        ? ['secretsmanager:GetSecretValue']
        : ['secretsmanager:GetSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'];
    this.executionRole.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [arn] }));
    // cdk-nag names the finding after the ARN with pseudo parameters as <AWS::…>.
    const literal = (v: string, pseudo: string) => (Token.isUnresolved(v) ? `<AWS::${pseudo}>` : v);
    const finding =
      `arn:${literal(stack.partition, 'Partition')}:secretsmanager:${literal(stack.region, 'Region')}:` +
      `${literal(stack.account, 'AccountId')}:secret:${prefix}/*`;
    Validations.of(this.executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${finding}]`,
      reason:
        'Per-workspace Okta client secrets are created at run time as <prefix>/<team_id>/...; the grant is ' +
        'confined to that name prefix (the * also covers the random suffix Secrets Manager appends).',
    });
    return this;
  }

  /** Publish lifecycle events to this stack's bus only. */
  bindBus(bus: IEventBus): this {
    this.executionRole.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
    );
    return this;
  }
}
