import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { MAX_ENTRIES_PER_PUT, type BusEvent, type EventPublisher, type PutResult } from './app.js';

/** The `source` of every event this stack puts on its bus; rules match on it. */
const EVENT_SOURCE = 'idp-bridge';

/**
 * The stack's EventBridge bus. One `PutEvents` call per `put` (at most 10 entries): `source`
 * `idp-bridge`, `detail-type` the event type, `time` the commit time, and a detail that carries the
 * stable `eventId`, `teamId` and `region` beside the event's own fields. `PutEvents` can accept a
 * call and still reject some entries (`FailedEntryCount`, with `ErrorCode` on those entries): each
 * entry's result is reported so that the core retries only the rejected ones.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly busName: string,
    private readonly client: EventBridgeClient = new EventBridgeClient({}),
  ) {}

  async put(events: readonly BusEvent[]): Promise<readonly PutResult[]> {
    if (events.length === 0) return [];
    if (events.length > MAX_ENTRIES_PER_PUT) throw new Error(`PutEvents takes at most ${MAX_ENTRIES_PER_PUT} entries`);
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: events.map((e) => ({
          EventBusName: this.busName,
          Source: EVENT_SOURCE,
          DetailType: e.type,
          Time: new Date(e.time),
          // The event's own fields first: the envelope fields cannot be overwritten by them.
          Detail: JSON.stringify({ ...e.detail, eventId: e.eventId, teamId: e.teamId, region: e.region }),
        })),
      }),
    );
    // Entries come back in request order (EventBridge API reference, PutEvents response).
    return events.map((_, i): PutResult => {
      const entry = out.Entries?.[i];
      if (entry?.EventId && !entry.ErrorCode) return { ok: true };
      return { ok: false, error: entry?.ErrorCode ? `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`.trim() : 'no entry in the response' };
    });
  }
}
