/**
 * The outbox core (lambdas/outbox/app.ts) on stream records built from real audit items
 * (`auditItem`), with a scripted publisher in place of the bus, and the EventBridge publisher
 * against a mocked EventBridge (no local stand-in exists). Issue 8 item 4 ("events are lost").
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { deliverOutbox, eventsOfRecord, type BusEvent, type EventPublisher, type PutResult, type StreamRecord } from '../../lambdas/outbox/app.js';
import { EventBridgePublisher } from '../../lambdas/outbox/eventbridge.js';
import { auditItem } from '../../lambdas/store/audit-items.js';
import { buildAuditRecord, type AuditContext } from '../../lambdas/core/audit.js';
import type { LifecycleEvent } from '../../lambdas/core/events.js';

const ctx: AuditContext = {
  teamId: 'team-1',
  region: 'eu',
  actor: { type: 'okta:scim', id: 'tok1' },
  source: { ip: '203.0.113.9', userAgent: 'Okta SCIM Client 1.0.0' },
  requestId: 'req-1',
};

let seq = 0;

/** The stream record of a committed audit item carrying `events` (what DynamoDB Streams emits). */
function auditRecord(events: LifecycleEvent[], eventName = 'INSERT'): { record: StreamRecord; auditId: string } {
  const audit = buildAuditRecord(ctx, { action: 'user.updated', target: { type: 'user', id: 'u1' } }, new Date(Date.UTC(2026, 10, 30, 12, 0, seq)));
  const item = auditItem(audit, events);
  seq += 1;
  return {
    auditId: audit.id,
    record: { eventID: `ev-${seq}`, eventName, dynamodb: { SequenceNumber: String(1000 + seq), NewImage: marshall(item, { removeUndefinedValues: true }) } },
  };
}

function userEvents(n: number, type = 'user.updated'): LifecycleEvent[] {
  return Array.from({ length: n }, (_, i) => ({ type, teamId: 'team-1', detail: { userId: `u${i}` } }));
}

/** A publisher that answers each call with the next scripted outcome (default: all accepted). */
class ScriptedPublisher implements EventPublisher {
  readonly calls: BusEvent[][] = [];
  constructor(private readonly script: ((events: readonly BusEvent[]) => readonly PutResult[])[] = []) {}
  async put(events: readonly BusEvent[]): Promise<readonly PutResult[]> {
    this.calls.push([...events]);
    const next = this.script.shift();
    return next ? next(events) : events.map(() => ({ ok: true }));
  }
}

const accepted = (events: readonly BusEvent[]): PutResult[] => events.map(() => ({ ok: true }));
const rejectAt =
  (...indexes: number[]) =>
  (events: readonly BusEvent[]): PutResult[] =>
    events.map((_, i) => (indexes.includes(i) ? { ok: false, error: 'InternalFailure: try again' } : { ok: true }));
const rejectAll = (events: readonly BusEvent[]): PutResult[] => events.map(() => ({ ok: false, error: 'ThrottlingException: slow down' }));
const opts = { region: 'us', sleep: async () => undefined };

describe('eventsOfRecord', () => {
  it('reads the outbox of an inserted audit item with its stable ids, team, region and commit time', () => {
    const { record, auditId } = auditRecord(userEvents(2));
    const events = eventsOfRecord(record, 'us');
    expect(events.map((e) => e.eventId)).toEqual([`${auditId}.0`, `${auditId}.1`]);
    expect(events[0]).toMatchObject({ type: 'user.updated', teamId: 'team-1', region: 'eu', detail: { userId: 'u0' } });
    expect(events[0]!.time).toBe('2026-11-30T12:00:00.000Z');
  });

  it('reads an empty map that DynamoDB Local writes into its stream as {} (not {"M": {}})', () => {
    const { record, auditId } = auditRecord([{ type: 'user.updated', teamId: 'team-1', detail: { userId: 'u0', extra: {} } }]);
    const image = record.dynamodb!.NewImage as { outbox: { L: { M: { detail: { M: { extra: unknown } } } }[] } };
    image.outbox.L[0]!.M.detail.M.extra = {};

    expect(eventsOfRecord(record, 'us')).toMatchObject([{ eventId: `${auditId}.0`, detail: { userId: 'u0', extra: {} } }]);
  });

  it('ignores modifications, removals, other items and audit items without an outbox', () => {
    expect(eventsOfRecord(auditRecord(userEvents(1), 'MODIFY').record, 'us')).toEqual([]);
    expect(eventsOfRecord(auditRecord(userEvents(1), 'REMOVE').record, 'us')).toEqual([]);
    expect(eventsOfRecord(auditRecord([]).record, 'us')).toEqual([]);
    const user: StreamRecord = { eventName: 'INSERT', dynamodb: { SequenceNumber: '1', NewImage: marshall({ pk: 'WS#t#USER#u', sk: 'USER', type: 'user', outbox: [] }) } };
    expect(eventsOfRecord(user, 'us')).toEqual([]);
  });
});

describe('deliverOutbox', () => {
  it('publishes every event in stream order, at most 10 per call, and reports no failure', async () => {
    const a = auditRecord(userEvents(7));
    const b = auditRecord(userEvents(16, 'role.changed'));
    const publisher = new ScriptedPublisher();

    const res = await deliverOutbox([a.record, auditRecord([]).record, b.record], publisher, opts);

    expect(res).toEqual({ batchItemFailures: [] });
    expect(publisher.calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(publisher.calls.flat().map((e) => e.eventId)).toEqual([
      ...Array.from({ length: 7 }, (_, i) => `${a.auditId}.${i}`),
      ...Array.from({ length: 16 }, (_, i) => `${b.auditId}.${i}`),
    ]);
  });

  it('retries only the entries PutEvents rejected (FailedEntryCount) and then succeeds', async () => {
    const a = auditRecord(userEvents(10));
    const publisher = new ScriptedPublisher([rejectAt(2, 7), accepted]);

    const res = await deliverOutbox([a.record], publisher, opts);

    expect(res.batchItemFailures).toEqual([]);
    expect(publisher.calls).toHaveLength(2);
    expect(publisher.calls[1]!.map((e) => e.eventId)).toEqual([`${a.auditId}.2`, `${a.auditId}.7`]);
  });

  it('reports the record whose entries stay rejected and every record after it, not the ones before (partial batch response)', async () => {
    const first = auditRecord(userEvents(3));
    const second = auditRecord(userEvents(3));
    const third = auditRecord(userEvents(12));
    // One call holds first (0-2), second (3-5) and the start of third (6-9): entry 4 (second's) keeps failing.
    const publisher = new ScriptedPublisher([rejectAt(4), rejectAt(0), rejectAt(0)]);

    const res = await deliverOutbox([first.record, second.record, third.record], publisher, { ...opts, maxAttempts: 3 });

    expect(res.batchItemFailures).toEqual([{ itemIdentifier: second.record.dynamodb!.SequenceNumber }, { itemIdentifier: third.record.dynamodb!.SequenceNumber }]);
    // Three attempts on the failing entry alone, and nothing of the chunks after it was sent.
    expect(publisher.calls.map((c) => c.length)).toEqual([10, 1, 1]);
    expect(publisher.calls[1]!.map((e) => e.eventId)).toEqual([`${second.auditId}.1`]);
    expect(publisher.calls[2]!.map((e) => e.eventId)).toEqual([`${second.auditId}.1`]);
    expect(publisher.calls.flat().some((e) => e.eventId === `${third.auditId}.4`)).toBe(false);
  });

  it('treats a failed call (bus unreachable) as every entry rejected', async () => {
    const a = auditRecord(userEvents(2));
    const b = auditRecord(userEvents(1));
    const failing: EventPublisher = {
      put: async () => {
        throw new Error('connect ETIMEDOUT');
      },
    };

    const res = await deliverOutbox([a.record, b.record], failing, opts);

    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([a.record.dynamodb!.SequenceNumber, b.record.dynamodb!.SequenceNumber]);
  });

  it('waits between retries with a growing back-off', async () => {
    const waits: number[] = [];
    const publisher = new ScriptedPublisher([rejectAll, rejectAll, rejectAll]);

    await deliverOutbox([auditRecord(userEvents(1)).record], publisher, { region: 'us', maxAttempts: 3, sleep: async (ms) => void waits.push(ms) });

    expect(waits).toEqual([100, 200]);
  });

  it('delivers the records before an unreadable outbox and reports it and the rest (they end in the DLQ)', async () => {
    const good = auditRecord(userEvents(1));
    const bad: StreamRecord = {
      eventName: 'INSERT',
      dynamodb: { SequenceNumber: '5000', NewImage: marshall({ type: 'audit', record: { time: 'x' }, outbox: [{ id: 'a.0' }] }) },
    };
    const after = auditRecord(userEvents(1));
    const publisher = new ScriptedPublisher();

    const res = await deliverOutbox([good.record, bad, after.record], publisher, opts);

    expect(publisher.calls.flat().map((e) => e.eventId)).toEqual([`${good.auditId}.0`]);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['5000', after.record.dynamodb!.SequenceNumber]);
  });
});

describe('EventBridgePublisher', () => {
  it('puts source idp-bridge, the type as detail-type and eventId, teamId and region in the detail; reports rejected entries', async () => {
    const eb = mockClient(EventBridgeClient);
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'e-1' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const { record, auditId } = auditRecord(userEvents(2));
    const events = eventsOfRecord(record, 'us');

    const results = await new EventBridgePublisher('idp-bridge-eu', new EventBridgeClient({ region: 'eu-central-1' })).put(events);

    expect(results).toEqual([{ ok: true }, { ok: false, error: 'InternalFailure: try again' }]);
    const sent = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(sent[0]).toMatchObject({ EventBusName: 'idp-bridge-eu', Source: 'idp-bridge', DetailType: 'user.updated', Time: new Date(events[0]!.time) });
    expect(JSON.parse(sent[1]!.Detail!)).toEqual({ userId: 'u1', eventId: `${auditId}.1`, teamId: 'team-1', region: 'eu' });
    eb.restore();
  });
});
