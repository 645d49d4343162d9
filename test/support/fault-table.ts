/**
 * Reads a test stack's table directly (not through the handlers, not through the fault proxy) to
 * check what a failed or retried request left behind: the fault and race tests assert on stored
 * state, because a client that got a 503 cannot tell whether anything was written.
 *
 * Item shapes are those of `lambdas/store/keys.ts`; only the facts the invariants talk about are
 * extracted (user item, userName guard, e-mail index, counters, audit records, revocation marker,
 * tombstone, membership edges).
 */
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { localDynamoClient } from '../../dev/dynamodb-local.js';
import type { TestStack } from './stack.js';

export type StoredItem = Record<string, unknown> & { pk: string; sk: string };

/** Every item of the stack's table (a test table is small). */
export async function scanTable(stack: Pick<TestStack, 'endpoint' | 'tableName'>): Promise<StoredItem[]> {
  const client = localDynamoClient(stack.endpoint);
  const doc = DynamoDBDocumentClient.from(client);
  try {
    const items: StoredItem[] = [];
    let start: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const out: ScanCommandOutput = await doc.send(new ScanCommand({ TableName: stack.tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...((out.Items ?? []) as StoredItem[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  } finally {
    client.destroy();
  }
}

/** An audit record as stored (`record`) with its outbox events. */
export interface StoredAudit {
  readonly action: string;
  readonly targetId: string;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly events: readonly { type: string }[];
}

/** What the table says about one user of one workspace. */
export interface UserFacts {
  /** The user item, when it exists. */
  readonly user: (StoredItem & { active?: boolean; userName?: string; roles?: string[]; grants?: string[] }) | undefined;
  /** userName guard items that point at this user. */
  readonly guards: number;
  /** E-mail index items of this user (folded addresses). */
  readonly emails: string[];
  /** The per-user revocation marker. */
  readonly revocation: StoredItem | undefined;
  /** The deletion tombstone (edges still to remove). */
  readonly tombstone: StoredItem | undefined;
  /** Group ids of the membership edges that name this user. */
  readonly edges: string[];
  /** Audit records whose target is this user, oldest first. */
  readonly audits: StoredAudit[];
}

/** Extracts the facts about `userId` in `teamId` from a scan. */
export function userFacts(items: readonly StoredItem[], teamId: string, userId: string): UserFacts {
  const ws = `WS#${teamId}`;
  return {
    user: items.find((i) => i.pk === `${ws}#USER#${userId}` && i.sk === 'USER'),
    guards: items.filter((i) => i.pk.startsWith(`${ws}#USERNAME#`) && i.userId === userId).length,
    emails: items.filter((i) => i.pk.startsWith(`${ws}#USEREMAIL#`) && i.sk === userId).map((i) => i.pk.slice(`${ws}#USEREMAIL#`.length)),
    revocation: items.find((i) => i.pk === `${ws}#USER#${userId}` && i.sk === 'REVOKED'),
    tombstone: items.find((i) => i.pk === `${ws}#USER#${userId}` && i.sk === 'DELETED'),
    edges: items.filter((i) => i.gsi2pk === `${ws}#USER#${userId}#GROUPS`).map((i) => String(i.gsi2sk)),
    audits: audits(items, teamId).filter((a) => a.targetId === userId),
  };
}

/** Every audit record of a workspace, oldest first (audit ids sort by time). */
export function audits(items: readonly StoredItem[], teamId: string): StoredAudit[] {
  return items
    .filter((i) => i.type === 'audit' && (i.record as { workspace?: string } | undefined)?.workspace === teamId)
    .sort((a, b) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0))
    .map((i) => {
      const r = i.record as { action: string; target: { id: string }; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
      return { action: r.action, targetId: r.target.id, before: r.before, after: r.after, events: (i.outbox as { type: string }[] | undefined) ?? [] };
    });
}

/** Sum of a sharded counter (`users`, `groups`, …). */
export function counter(items: readonly StoredItem[], teamId: string, counted: string): number {
  return items.filter((i) => i.pk === `WS#${teamId}#COUNT#${counted}`).reduce((n, i) => n + Number(i.n ?? 0), 0);
}

/** Ids of the user items of a workspace. */
export function userIds(items: readonly StoredItem[], teamId: string): string[] {
  const prefix = `WS#${teamId}#USER#`;
  return items.filter((i) => i.sk === 'USER' && i.pk.startsWith(prefix)).map((i) => i.pk.slice(prefix.length));
}

/** User ids of the membership edges of a group. */
export function membersOf(items: readonly StoredItem[], teamId: string, groupId: string): string[] {
  const prefix = `WS#${teamId}#GROUP#${groupId}#MEMBERS#`;
  return items.filter((i) => i.pk.startsWith(prefix)).map((i) => i.sk);
}

/**
 * The invariants that hold for every user at every moment, whatever failed (nothing half-written):
 * a user item exists exactly when its userName guard and e-mail index items do; an inactive user has
 * a revocation marker; a user gone for good has no membership edges left (unless its tombstone says
 * a retry still has edges to remove, and then it is revoked); the users counter counts the users.
 * Returns the violations, so a failing test names them all.
 */
export function brokenInvariants(items: readonly StoredItem[], teamId: string, userId: string): string[] {
  const f = userFacts(items, teamId, userId);
  const out: string[] = [];
  if (f.user) {
    const own = String(f.user.userName ?? '').toLowerCase();
    const guard = items.find((i) => i.pk === `WS#${teamId}#USERNAME#${own}`);
    if (f.guards !== 1 || guard?.userId !== userId) out.push(`user exists with ${f.guards} userName guards (none for its userName ${own})`);
    // The e-mail index holds every address of the user except its userName (the guard indexes that one).
    const stored = ((f.user.emails as { value: string }[] | undefined) ?? []).map((e) => e.value.toLowerCase());
    const want = [...new Set(stored.filter((e) => e !== own))].sort();
    if (JSON.stringify([...f.emails].sort()) !== JSON.stringify(want)) out.push(`user exists with e-mail index ${JSON.stringify(f.emails)}, want ${JSON.stringify(want)}`);
    if (f.user.active === false && !f.revocation) out.push('user is inactive without a revocation marker (review #2)');
    if (!f.audits.some((a) => a.action === 'user.created')) out.push('user exists without its user.created audit record');
  } else {
    if (f.guards !== 0) out.push(`no user, but ${f.guards} userName guards`);
    if (f.emails.length !== 0) out.push(`no user, but e-mail index items ${JSON.stringify(f.emails)}`);
    const deleted = f.audits.some((a) => a.action === 'user.deleted');
    if (deleted && !f.revocation) out.push('deleted user without a revocation marker (review #2)');
    if (f.edges.length > 0 && !f.tombstone) out.push(`no user, but membership edges ${JSON.stringify(f.edges)} and no tombstone (review #2)`);
  }
  if (counter(items, teamId, 'users') !== userIds(items, teamId).length) {
    out.push(`users counter ${counter(items, teamId, 'users')} != ${userIds(items, teamId).length} user items`);
  }
  return out;
}
