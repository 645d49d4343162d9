/**
 * The stream poller across a shard split. DynamoDB Local cannot be made to split or close a shard on
 * demand, so this one behaviour is shown against a mocked streams API (the only AWS part with no
 * local stand-in for it); everything else of the poller runs against DynamoDB Local in
 * delivery.test.ts and redrive.test.ts.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalEventSink, startStreamPoller } from '../../dev/stream-poller.js';
import { auditItem } from '../../lambdas/store/audit-items.js';
import { buildAuditRecord } from '../../lambdas/core/audit.js';

const STREAM = 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/label';
const ddb = mockClient(DynamoDBClient);
const streams = mockClient(DynamoDBStreamsClient);
afterEach(() => {
  ddb.reset();
  streams.reset();
});

let seq = 100;
/** A stream record of an audit item with one `user.updated` event for `userId`. */
function record(userId: string): _Record {
  const audit = buildAuditRecord(
    { teamId: 'team-1', region: 'us', actor: { type: 'system', id: 'test' }, source: { ip: '127.0.0.1', userAgent: 'test' }, requestId: 'r' },
    { action: 'user.updated', target: { type: 'user', id: userId } },
  );
  seq += 1;
  const image = marshall(auditItem(audit, [{ type: 'user.updated', teamId: 'team-1', detail: { userId } }]), { removeUndefinedValues: true });
  return { eventName: 'INSERT', dynamodb: { SequenceNumber: String(seq), NewImage: image as NonNullable<_Record['dynamodb']>['NewImage'] } };
}

describe('stream poller across a shard split', () => {
  it('drains the parent shard to its end before reading its child, whichever order DescribeStream lists them in', async () => {
    const beforeSplit = record('u-parent');
    const afterSplit = record('u-child');
    ddb.on(DescribeTableCommand).resolves({ Table: { LatestStreamArn: STREAM, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } } });
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: { Shards: [{ ShardId: 'child', ParentShardId: 'parent' }, { ShardId: 'parent' }] },
    });
    streams.on(GetShardIteratorCommand, { ShardId: 'parent' }).resolves({ ShardIterator: 'it-parent' });
    streams.on(GetShardIteratorCommand, { ShardId: 'child' }).resolves({ ShardIterator: 'it-child' });
    // The parent is closed: its last page has no next iterator. The child stays open.
    streams.on(GetRecordsCommand, { ShardIterator: 'it-parent' }).resolves({ Records: [beforeSplit], NextShardIterator: 'it-parent-2' });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-parent-2' }).resolves({ Records: [] });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-child' }).resolves({ Records: [afterSplit], NextShardIterator: 'it-child-tip' });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-child-tip' }).resolves({ Records: [], NextShardIterator: 'it-child-tip' });
    const sink = new LocalEventSink();

    const poller = await startStreamPoller({ endpoint: 'http://127.0.0.1:1', tableName: 't', publisher: sink, region: 'us', intervalMs: 10 });
    try {
      await sink.waitFor((e) => e.detail.userId === 'u-child', 5_000);
    } finally {
      await poller.stop();
    }

    expect(sink.all().map((e) => e.detail.userId)).toEqual(['u-parent', 'u-child']);
    const iterators = streams.commandCalls(GetRecordsCommand).map((c) => c.args[0].input.ShardIterator);
    expect(iterators.indexOf('it-child')).toBeGreaterThan(iterators.indexOf('it-parent-2'));
  });

  it('takes up a shard that appears later, starting at its oldest record', async () => {
    const first = record('u-first');
    const later = record('u-later');
    ddb.on(DescribeTableCommand).resolves({ Table: { LatestStreamArn: STREAM } });
    streams
      .on(DescribeStreamCommand)
      .resolvesOnce({ StreamDescription: { Shards: [{ ShardId: 'a' }] } })
      .resolves({ StreamDescription: { Shards: [{ ShardId: 'a' }, { ShardId: 'b', ParentShardId: 'a' }] } });
    streams.on(GetShardIteratorCommand, { ShardId: 'a' }).resolves({ ShardIterator: 'it-a' });
    streams.on(GetShardIteratorCommand, { ShardId: 'b', ShardIteratorType: 'TRIM_HORIZON' }).resolves({ ShardIterator: 'it-b' });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-a' }).resolves({ Records: [first] });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-b' }).resolves({ Records: [later], NextShardIterator: 'it-b-tip' });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-b-tip' }).resolves({ Records: [], NextShardIterator: 'it-b-tip' });
    const sink = new LocalEventSink();

    const poller = await startStreamPoller({ endpoint: 'http://127.0.0.1:1', tableName: 't', publisher: sink, region: 'us', intervalMs: 10 });
    try {
      await sink.waitFor((e) => e.detail.userId === 'u-later', 5_000);
    } finally {
      await poller.stop();
    }

    expect(sink.all().map((e) => e.detail.userId)).toEqual(['u-first', 'u-later']);
  });
});
