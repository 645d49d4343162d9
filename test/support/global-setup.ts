import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../dev/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the one DynamoDB Local shared by the whole run (each test file uses its own table). */
    dynamoEndpoint: string;
  }
}

/**
 * Starts ONE in-memory DynamoDB Local for the whole test run: a JVM takes about 2 s to start, a
 * table a few milliseconds, so files get isolation from their own tables (`startTestStack`), not
 * from their own databases. `TEST_DYNAMODB_ENDPOINT` reuses an already running one instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reuse = process.env.TEST_DYNAMODB_ENDPOINT;
  if (reuse) {
    project.provide('dynamoEndpoint', reuse);
    return async () => undefined;
  }
  const ddb = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', ddb.endpoint);
  return () => ddb.stop();
}
