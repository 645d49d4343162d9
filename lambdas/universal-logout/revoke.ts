import type { AuditContext } from '../core/audit.js';
import type { TokenKind } from '../core/crypto.js';
import type { LifecycleEvent } from '../core/events.js';
import type { AuditRepo } from '../store/audit.js';
import type { TokenRepo } from '../store/tokens.js';

/**
 * What a logout revokes.
 *
 * - `full` — everything that grants the user access, found with one query over the user's index
 *   (gsi2): bridge sessions (`session`), API and MCP tokens (`api`, `mcp`, seed 000: "revokes the
 *   user's API tokens and MCP tokens") and user-bound OAuth tokens (`oauth-access`,
 *   `oauth-refresh`). Okta: "revoke all refresh tokens and session cookies; access tokens optional".
 * - `partial` — Okta's "partial support" checkbox (OIN Wizard UL settings): *refresh tokens only*;
 *   sessions and access tokens live until they expire or the user signs out. Here a "refresh token"
 *   is a user-bound `oauth-refresh` token, the only long-lived credential whose sole purpose is to
 *   mint new access. Bridge sessions, API and MCP tokens are bearer credentials used directly (they
 *   are the "access" side) and are kept. SCIM OAuth tokens never carry a user, so no logout touches
 *   Okta's provisioning connection.
 * - `sessions` — Shared Signals CAEP `session-revoked`: the user's sessions only (a hint about
 *   sessions, not a command about every credential).
 */
export type LogoutMode = 'full' | 'partial' | 'sessions';

/** Token kinds each mode revokes; `undefined` = every kind on the user's index. */
export function kindsFor(mode: LogoutMode): readonly TokenKind[] | undefined {
  switch (mode) {
    case 'full':
      return undefined;
    case 'partial':
      return ['oauth-refresh'];
    case 'sessions':
      return ['session'];
  }
}

export interface LogoutResult {
  readonly teamId: string;
  readonly userId: string;
  readonly revoked: number;
  readonly kinds: Record<string, number>;
}

/**
 * Revokes a user's access in one workspace: one query over the user's index and one transaction
 * writing the user's revocation marker with its `session.revoked` audit record and the
 * `session.revoked` lifecycle event (the outbox; `TokenRepo.revokeAllForUser`). A user with
 * nothing to revoke still gets an audit record and an event: the logout happened.
 */
export async function logOutUser(
  repos: { tokens: TokenRepo; audit: AuditRepo },
  ctx: AuditContext,
  userId: string,
  mode: LogoutMode,
): Promise<LogoutResult> {
  const kinds = kindsFor(mode);
  const resultOf = (revoked: readonly { kind: string }[]): LogoutResult => {
    const byKind: Record<string, number> = {};
    for (const t of revoked) byKind[t.kind] = (byKind[t.kind] ?? 0) + 1;
    return { teamId: ctx.teamId, userId, revoked: revoked.length, kinds: byKind };
  };
  const revoked = await repos.tokens.revokeAllForUser(ctx, ctx.teamId, userId, {
    ...(kinds ? { kinds } : {}),
    action: 'session.revoked',
    reason: `${ctx.actor.type} (${mode})`,
    events: (victims) => [sessionRevokedEvent(resultOf(victims), ctx.actor, mode)],
  });
  return resultOf(revoked);
}

/** The `session.revoked` lifecycle event of one logout, for the host app. */
export function sessionRevokedEvent(r: LogoutResult, source: { type: string; id: string }, mode: LogoutMode): LifecycleEvent {
  return {
    type: 'session.revoked',
    teamId: r.teamId,
    detail: { userId: r.userId, source: source.type, sourceId: source.id, mode, revoked: r.revoked, kinds: r.kinds },
  };
}
