/**
 * The outbox consumer Lambda: the table's stream (filtered to INSERTs of audit items that carry an
 * outbox) in, the stack's EventBridge bus out. Partial batch responses (`ReportBatchItemFailures`):
 * a record whose events the bus did not accept is retried by the event source mapping, the records
 * before it are not; after the mapping's retries its batch description goes to the DLQ.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { deliverOutbox, type StreamRecord } from './app.js';
import { EventBridgePublisher } from './eventbridge.js';

/** This function reads only what it needs: no table, no secrets. Checked at cold start. */
const config = z
  .object({
    EVENT_BUS_NAME: z.string().min(1),
    REGION_ID: z.string().regex(/^[a-z]{2,8}$/),
    LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  })
  .parse(process.env);

const logger = new Logger({ serviceName: 'idp-bridge-outbox', logLevel: config.LOG_LEVEL });
const publisher = new EventBridgePublisher(config.EVENT_BUS_NAME);

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const res = await deliverOutbox(event.Records as StreamRecord[], publisher, { region: config.REGION_ID, logger });
  if (res.batchItemFailures.length > 0) {
    logger.warn('outbox: records left for retry', { records: event.Records.length, failed: res.batchItemFailures.length });
  }
  return res;
};
