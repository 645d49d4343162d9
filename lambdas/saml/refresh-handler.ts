/**
 * The scheduled SAML refresh Lambda: an EventBridge schedule (every `REFRESH_INTERVAL_HOURS`,
 * lib/idp-bridge-stack.ts) invokes it with a Scheduled Event; it re-reads the metadata of SAML
 * connections made from a metadata URL and sends certificate-expiry warnings (`refresh.ts`).
 * Configuration is checked at cold start (`getDeps`); it reads no secret.
 */
import { getDeps } from '../platform/deps.js';
import { refreshSamlConnections } from './refresh.js';

/** The part of an EventBridge Scheduled Event it reads: the event id names the run in the audit records. */
interface ScheduledEvent {
  readonly id?: string;
}

export const handler = async (event: ScheduledEvent = {}): Promise<{ connections: number; updated: number; failed: number; warnings: number }> => {
  const deps = getDeps();
  const outcomes = await refreshSamlConnections(deps, event.id ? `saml-refresh-${event.id}` : undefined);
  await deps.repos.settle();
  return {
    connections: outcomes.length,
    updated: outcomes.filter((o) => o.result === 'updated').length,
    failed: outcomes.filter((o) => o.result === 'failed').length,
    warnings: outcomes.reduce((n, o) => n + o.warnings.length, 0),
  };
};
