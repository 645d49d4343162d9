import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IdpBridgeStack } from './idp-bridge-stack.js';
import { applyContextOverrides, parseRegions, REGIONS_CONTEXT_KEY, type Regions } from './region-config.js';

/**
 * Feature flags, applied by `bin/app.ts` and by tests alike so both synthesize the same template
 * (kept here rather than in cdk.json for that reason).
 */
export const FEATURE_FLAGS: Readonly<Record<string, unknown>> = {
  '@aws-cdk/core:checkSecretUsage': true,
  '@aws-cdk/core:validateSnapshotRemovalPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
};

export interface AddStacksOptions {
  /** Account for regions that do not set one (the CLI passes `CDK_DEFAULT_ACCOUNT`). */
  readonly defaultAccount?: string;
  /** Run the cdk-nag AwsSolutions checks. @default true */
  readonly nag?: boolean;
}

/** Adds one independent stack per region; each stack learns the other regions' API URLs. */
export function addStacks(app: App, regions: Regions, opts: AddStacksOptions = {}): Map<string, IdpBridgeStack> {
  const stacks = new Map<string, IdpBridgeStack>();
  for (const [regionId, config] of Object.entries(regions)) {
    const peerApiUrls = Object.fromEntries(
      Object.entries(regions)
        .filter(([id]) => id !== regionId)
        .map(([id, r]) => [id, r.apiUrl]),
    );
    const account = config.account ?? opts.defaultAccount;
    stacks.set(
      regionId,
      new IdpBridgeStack(app, config.stackName, {
        stackName: config.stackName,
        env: { region: config.awsRegion, ...(account ? { account } : {}) },
        description: `idp-bridge (${regionId}): enterprise identity backend for data-residency region ${regionId}`,
        regionId,
        config,
        peerApiUrls,
        tags: { 'idp-bridge:region': regionId },
      }),
    );
  }
  // cdk-nag v3 is a policy-validation plugin: any unacknowledged finding fails `cdk synth`.
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stacks;
}

/** Builds an App with every region's stack from a config object (tests use this; no shelling out). */
export function buildApp(
  rawRegions: unknown,
  opts: AddStacksOptions & { readonly appProps?: AppProps } = {},
): { app: App; stacks: Map<string, IdpBridgeStack> } {
  const app = new App({ ...opts.appProps, context: { ...FEATURE_FLAGS, ...opts.appProps?.context } });
  const stacks = addStacks(app, parseRegions(rawRegions), opts);
  return { app, stacks };
}

/** Reads the region map from context (`cdk.json` or `-c`), with per-field `idp-bridge:<id>:<key>` overrides. */
export function regionsFromContext(app: App): Regions {
  const raw = app.node.tryGetContext(REGIONS_CONTEXT_KEY);
  return parseRegions(applyContextOverrides(raw, (k) => app.node.tryGetContext(k)));
}
