#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addStacks, FEATURE_FLAGS, regionsFromContext } from '../lib/app.js';
import { RegionConfigError } from '../lib/region-config.js';

const app = new App({ context: { ...FEATURE_FLAGS } });
try {
  addStacks(app, regionsFromContext(app), { defaultAccount: process.env.CDK_DEFAULT_ACCOUNT });
} catch (err) {
  if (!(err instanceof RegionConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
app.synth();
