import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** A lifecycle event for the host app (`user.created`, `user.deactivated`, `session.revoked`, …). */
export interface LifecycleEvent {
  readonly type: string;
  readonly teamId: string;
  readonly detail: Record<string, unknown>;
}

export interface EventPublisher {
  publish(events: LifecycleEvent[]): Promise<void>;
}

/** EventBridge, 10 entries per PutEvents call; source `idp-bridge`, detail-type = event type. */
export class EventBridgePublisher implements EventPublisher {
  private sdk: Promise<{ client: EventBridgeClient; mod: typeof import('@aws-sdk/client-eventbridge') }> | undefined;
  constructor(
    private readonly busName: string,
    private readonly region: string,
  ) {}

  async publish(events: LifecycleEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Loaded on first use, so that cold starts of read-only requests stay short.
    this.sdk ??= import('@aws-sdk/client-eventbridge').then((mod) => ({ client: new mod.EventBridgeClient({}), mod }));
    const { client, mod } = await this.sdk;
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const out = await client.send(
        new mod.PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: this.busName,
            Source: 'idp-bridge',
            DetailType: e.type,
            Detail: JSON.stringify({ ...e.detail, teamId: e.teamId, region: this.region }),
          })),
        }),
      );
      if (out.FailedEntryCount) throw new Error(`EventBridge rejected ${out.FailedEntryCount} events`);
    }
  }
}

/** Local stand-in: keeps recent events in memory (tests read them) and hands them to a sink. */
export class MemoryPublisher implements EventPublisher {
  readonly events: LifecycleEvent[] = [];
  constructor(private readonly sink?: (e: LifecycleEvent) => void) {}

  async publish(events: LifecycleEvent[]): Promise<void> {
    for (const e of events) {
      this.events.push(e);
      if (this.events.length > 10_000) this.events.shift();
      this.sink?.(e);
    }
  }
}
