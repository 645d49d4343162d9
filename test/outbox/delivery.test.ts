/**
 * The transactional outbox end to end (issue 8 item 4, "Events are lost"): real SCIM requests
 * against the local stack commit their audit record with its events, and the stream poller on
 * DynamoDB Local's stream delivers them through the same core the AWS consumer runs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEventSink, startStreamPoller } from '../../dev/stream-poller.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { oktaUser, scimWorkspace, type ScimWorkspace } from '../scim/helpers.js';

let stack: TestStack;
let ws: ScimWorkspace;

beforeAll(async () => {
  stack = await startTestStack();
  ws = await scimWorkspace(stack);
});
afterAll(async () => stack?.close());

interface ExportedRecord {
  id: string;
  time: string;
  action: string;
  target: { id: string };
}

async function auditRecords(action?: string): Promise<ExportedRecord[]> {
  const res = await ws.admin.get(`/api/admin/workspaces/${ws.teamId}/audit-export?limit=1000`);
  expect(res.status).toBe(200);
  const all = res.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ExportedRecord);
  return action ? all.filter((r) => r.action === action) : all;
}

/** The audit id an event id names (`<audit id>.<index>`). */
const auditIdOf = (eventId: string) => eventId.slice(0, eventId.lastIndexOf('.'));

describe('outbox delivery', () => {
  it('delivers the events of a committed change with the ids <audit id>.<index>, its team, region and commit time', async () => {
    const created = await ws.scim.post('/Users', oktaUser('ada.lovelace@example.com'));
    expect(created.status).toBe(201);
    const id = String(created.json.id);
    // A change that yields two events on one audit record: the update and the role change.
    const updated = await ws.scim.put(`/Users/${id}`, { ...oktaUser('ada.lovelace@example.com'), externalId: created.json.externalId, roles: [{ value: 'admin', primary: true }] });
    expect(updated.status).toBe(200);

    const createdEvent = await stack.events.waitFor((e) => e.type === 'user.created' && e.detail.userId === id);
    const roleEvent = await stack.events.waitFor((e) => e.type === 'role.changed' && e.detail.userId === id);

    const [createdAudit] = (await auditRecords('user.created')).filter((r) => r.target.id === id);
    const [updatedAudit] = (await auditRecords('user.updated')).filter((r) => r.target.id === id);
    expect(createdEvent).toMatchObject({ eventId: `${createdAudit!.id}.0`, teamId: ws.teamId, region: 'us', time: createdAudit!.time });
    const ofUpdate = stack.events.all().filter((e) => auditIdOf(e.eventId) === updatedAudit!.id);
    expect(ofUpdate.map((e) => [e.eventId, e.type])).toEqual([
      [`${updatedAudit!.id}.0`, 'user.updated'],
      [`${updatedAudit!.id}.1`, 'role.changed'],
    ]);
    expect(roleEvent.detail).toMatchObject({ before: ['member'], after: ['admin'] });
  });

  it('publishes nothing for a transaction that fails: a 409 uniqueness create leaves no event (none invented)', async () => {
    const first = await ws.scim.post('/Users', oktaUser('grace.hopper@example.com'));
    expect(first.status).toBe(201);
    const dup = await ws.scim.post('/Users', oktaUser('grace.hopper@example.com'));
    expect(dup.status).toBe(409);
    // A later change: once its event is here, anything the refused create wrote would be too (one stream, in order).
    const later = await ws.scim.post('/Users', oktaUser('later.user@example.com'));
    await stack.events.waitFor((e) => e.type === 'user.created' && e.detail.userId === later.json.id);

    const forGrace = stack.events.all().filter((e) => e.type === 'user.created' && e.detail.userName === 'grace.hopper@example.com');
    expect(forGrace.map((e) => e.detail.userId)).toEqual([first.json.id]);
    // Every delivered event names an audit record that committed.
    const committed = new Set((await auditRecords()).map((r) => r.id));
    const invented = stack.events.all().filter((e) => e.teamId === ws.teamId && !committed.has(auditIdOf(e.eventId)));
    expect(invented).toEqual([]);
  });

  it('retries while the bus rejects entries (FailedEntryCount) and delivers the event later with the same id', async () => {
    // 5 rejected calls: the core's 3 attempts fail the record, the poller retries it, 2 more fail.
    stack.events.failNext(5, 'reject');
    const res = await ws.scim.post('/Users', oktaUser('katherine.johnson@example.com'));
    expect(res.status).toBe(201); // the change does not wait for the bus

    const event = await stack.events.waitFor((e) => e.type === 'user.created' && e.detail.userId === res.json.id);

    const [audit] = (await auditRecords('user.created')).filter((r) => r.target.id === res.json.id);
    expect(event.eventId).toBe(`${audit!.id}.0`);
    expect(stack.events.pendingFailures()).toBe(0);
  });

  it('retries while the bus is unreachable and delivers the event later', async () => {
    stack.events.failNext(4, 'throw');
    const res = await ws.scim.post('/Users', oktaUser('dorothy.vaughan@example.com'));
    expect(res.status).toBe(201);

    const event = await stack.events.waitFor((e) => e.type === 'user.created' && e.detail.userId === res.json.id);

    expect(event.eventId).toMatch(/\.0$/);
    expect(stack.events.pendingFailures()).toBe(0);
  });

  it('redelivers after a restart of the poller with the same ids, and a deduping consumer keeps each event once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idp-bridge-outbox-'));
    const file = join(dir, 'events.ndjson');
    try {
      const res = await ws.scim.post('/Users', oktaUser('mary.jackson@example.com'));
      const mine = (e: { type: string; detail: Record<string, unknown> }) => e.type === 'user.created' && e.detail.userId === res.json.id;
      const delivered = await stack.events.waitFor(mine);

      // A poller that starts later (a restart: the position is kept in memory only) reads from the start.
      const read = async (): Promise<{ sink: LocalEventSink; lines: string[] }> => {
        const sink = new LocalEventSink({ file });
        const poller = await startStreamPoller({ endpoint: stack.endpoint, tableName: stack.tableName, publisher: sink, region: 'us', intervalMs: 50 });
        try {
          await sink.waitFor(mine);
        } finally {
          await poller.stop();
        }
        return { sink, lines: (await readFile(file, 'utf8')).split('\n').filter(Boolean) };
      };
      const once = await read();
      const again = await read();

      expect(once.sink.all().find(mine)!.eventId).toBe(delivered.eventId);
      expect(again.lines).toEqual(once.lines); // nothing written twice
      expect(again.sink.redeliveries).toBeGreaterThanOrEqual(once.lines.length); // but all of it delivered again
      expect(once.lines.map((l) => (JSON.parse(l) as { eventId: string }).eventId)).toContain(delivered.eventId);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
