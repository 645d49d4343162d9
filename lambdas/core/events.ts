/**
 * A lifecycle event for the host app (`user.created`, `user.deactivated`, `session.revoked`, …).
 *
 * Nothing publishes these by hand: a change lists the events that follow from it on its audit entry
 * (`AuditEntry.events`), they commit with the change in one transaction (the outbox), and the
 * outbox consumer (lambdas/outbox) delivers them from the table's stream, at least once, each with
 * the stable id `<audit id>.<index>`.
 */
export interface LifecycleEvent {
  readonly type: string;
  readonly teamId: string;
  readonly detail: Record<string, unknown>;
}
