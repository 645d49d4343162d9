/**
 * Redrive of the outbox DLQ (an operator tool, not deployed): a DLQ message of the stream event
 * source names a batch — stream, shard, first and last sequence number — not its records. This reads
 * that range from the stream again and delivers it with the same core the consumer runs, so the
 * events keep their ids and a consumer that saw some of them before dedupes them.
 *
 * The stream keeps records for 24 hours and the consumer gives up after 12 (lib/idp-bridge-stack.ts
 * `OUTBOX_CONSUMER`), so a redrive has at least 12 hours. Past that, the events are still on their
 * audit items (`outbox`), which the audit export lists by time.
 *
 *   node_modules/.bin/tsx lambdas/outbox/redrive.ts <dlq-message.json> <event-bus-name> <region-id>
 *
 * `dlq-message.json` is one message body as `aws sqs receive-message` prints it; delete the message
 * from the queue once this reports success.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import * as z from 'zod';
import { deliverOutbox, type BatchResponse, type EventPublisher, type OutboxLogger, type StreamRecord } from './app.js';

/** The part of a stream event source's on-failure message that says which records failed. */
export const DlqMessage = z.object({
  DDBStreamBatchInfo: z.object({
    streamArn: z.string().min(1),
    shardId: z.string().min(1),
    startSequenceNumber: z.string().regex(/^\d+$/),
    endSequenceNumber: z.string().regex(/^\d+$/),
  }),
});
export type DlqMessage = z.infer<typeof DlqMessage>;

/** Empty pages in a row after which the range is taken to end at the shard's tip. */
const MAX_EMPTY_PAGES = 20;

export interface RedriveResult extends BatchResponse {
  /** Records read in the range (all of them, with or without events). */
  readonly records: number;
}

/**
 * Reads the batch a DLQ message names and delivers its events. Answers the records still failing
 * (empty when the whole range went through).
 */
export async function redriveBatch(
  message: DlqMessage,
  streams: DynamoDBStreamsClient,
  publisher: EventPublisher,
  opts: { region: string; logger?: OutboxLogger },
): Promise<RedriveResult> {
  const { streamArn, shardId, startSequenceNumber, endSequenceNumber } = message.DDBStreamBatchInfo;
  const end = BigInt(endSequenceNumber);
  const records: _Record[] = [];
  let iterator = (
    await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: startSequenceNumber }))
  ).ShardIterator;
  // Sequence numbers grow within a shard: read until the last one of the range. GetRecords may
  // answer empty pages before later records ("it might take multiple calls to get to a portion of
  // the shard that contains stream records", DynamoDB Streams API reference), so only a run of
  // empty pages — the tip of an open shard — or a closed shard's end stops the read early.
  for (let done = false, empty = 0; iterator && !done && empty < MAX_EMPTY_PAGES; ) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
    empty = (page.Records ?? []).length === 0 ? empty + 1 : 0;
    for (const r of page.Records ?? []) {
      const seq = BigInt(r.dynamodb?.SequenceNumber ?? '0');
      if (seq > end) {
        done = true;
        break;
      }
      records.push(r);
      if (seq === end) done = true;
    }
    iterator = page.NextShardIterator;
  }
  const res = await deliverOutbox(records as StreamRecord[], publisher, opts);
  return { ...res, records: records.length };
}

async function main(argv: string[]): Promise<void> {
  const [file, busName, region] = argv;
  if (!file || !busName || !region) {
    throw new Error('usage: tsx lambdas/outbox/redrive.ts <dlq-message.json> <event-bus-name> <region-id>');
  }
  const message = DlqMessage.parse(JSON.parse(await readFile(file, 'utf8')));
  const { EventBridgePublisher } = await import('./eventbridge.js');
  const streams = new DynamoDBStreamsClient({});
  try {
    const res = await redriveBatch(message, streams, new EventBridgePublisher(busName), { region, logger: console });
    const failed = res.batchItemFailures.length;
    console.log(`${res.records} records read, ${res.records - failed} delivered, ${failed} still failing`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    streams.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
