/**
 * Redrive of the outbox DLQ (lambdas/outbox/redrive.ts) against DynamoDB Local's stream: a DLQ
 * message names a shard and a sequence-number range; the redrive delivers exactly the events of
 * that range, with the ids they had (issue 8 item 4: at least once, with a stable id).
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../dev/dynamodb-local.js';
import { LocalEventSink } from '../../dev/stream-poller.js';
import { eventsOfRecord, type StreamRecord } from '../../lambdas/outbox/app.js';
import { redriveBatch, type DlqMessage } from '../../lambdas/outbox/redrive.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { oktaUser, scimWorkspace, type ScimWorkspace } from '../scim/helpers.js';

let stack: TestStack;
let ws: ScimWorkspace;
let streams: DynamoDBStreamsClient;

beforeAll(async () => {
  stack = await startTestStack();
  ws = await scimWorkspace(stack);
  streams = new DynamoDBStreamsClient({ endpoint: stack.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  streams?.destroy();
  await stack?.close();
});

/** Every record of the table's stream so far, with the shard it is on. */
async function streamRecords(): Promise<{ streamArn: string; shardId: string; record: _Record }[]> {
  const ddb = localDynamoClient(stack.endpoint);
  const streamArn = (await ddb.send(new DescribeTableCommand({ TableName: stack.tableName }))).Table!.LatestStreamArn!;
  ddb.destroy();
  const out: { streamArn: string; shardId: string; record: _Record }[] = [];
  const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription!.Shards!;
  for (const shard of shards) {
    let it = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (it) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
      for (const record of page.Records ?? []) out.push({ streamArn, shardId: shard.ShardId!, record });
      if ((page.Records ?? []).length === 0) break;
      it = page.NextShardIterator;
    }
  }
  return out;
}

/** The DLQ message Lambda would write for a batch from `first` to `last` (both stream records). */
function dlqMessage(first: { streamArn: string; shardId: string; record: _Record }, last: { record: _Record }): DlqMessage {
  return {
    DDBStreamBatchInfo: {
      streamArn: first.streamArn,
      shardId: first.shardId,
      startSequenceNumber: first.record.dynamodb!.SequenceNumber!,
      endSequenceNumber: last.record.dynamodb!.SequenceNumber!,
    },
  };
}

describe('outbox DLQ redrive', () => {
  it('delivers exactly the events of the range a DLQ message names, with their original ids', async () => {
    const ids: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      const res = await ws.scim.post('/Users', oktaUser(`${name}.user@example.com`));
      expect(res.status).toBe(201);
      ids.push(String(res.json.id));
    }
    const delivered = await Promise.all(ids.map((id) => stack.events.waitFor((e) => e.type === 'user.created' && e.detail.userId === id)));
    const all = await streamRecords();
    const recordOf = (userId: string) => all.find((r) => eventsOfRecord(r.record as StreamRecord, 'us').some((e) => e.type === 'user.created' && e.detail.userId === userId))!;

    // A batch of the second user's record alone, then one from the second to the third.
    const single = new LocalEventSink();
    const one = await redriveBatch(dlqMessage(recordOf(ids[1]!), recordOf(ids[1]!)), streams, single, { region: 'us' });
    const range = new LocalEventSink();
    const two = await redriveBatch(dlqMessage(recordOf(ids[1]!), recordOf(ids[2]!)), streams, range, { region: 'us' });

    expect(one.batchItemFailures).toEqual([]);
    expect(single.all().map((e) => e.eventId)).toEqual([delivered[1]!.eventId]);
    expect(two.batchItemFailures).toEqual([]);
    expect(range.all().filter((e) => e.type === 'user.created').map((e) => e.eventId)).toEqual([delivered[1]!.eventId, delivered[2]!.eventId]);
    expect(range.all().map((e) => e.eventId)).not.toContain(delivered[0]!.eventId);
  });

  it('reports the records still failing when the bus keeps rejecting them', async () => {
    const res = await ws.scim.post('/Users', oktaUser('rejected.user@example.com'));
    await stack.events.waitFor((e) => e.type === 'user.created' && e.detail.userId === res.json.id);
    const mine = (await streamRecords()).find((r) => eventsOfRecord(r.record as StreamRecord, 'us').some((e) => e.detail.userId === res.json.id))!;
    const sink = new LocalEventSink();
    sink.failNext(3);

    const out = await redriveBatch(dlqMessage(mine, mine), streams, sink, { region: 'us' });

    expect(out.batchItemFailures).toEqual([{ itemIdentifier: mine.record.dynamodb!.SequenceNumber }]);
    expect(sink.all()).toEqual([]);
  });
});
