import type { Deps } from '../platform/deps.js';
import type { Workspace } from '../core/model/workspace.js';
import { effectiveAccess } from '../core/roles.js';
import { connectionPolicy, type SamlConnection } from '../core/model/connection.js';
import type { MappingPreview } from './pages.js';

/**
 * Which workspace member a test login would sign in as, without signing in: the same lookups as
 * the sign-in core (the (issuer, NameID) link, then the email) and the same policy (the
 * connection's sign-in and JIT switches, deactivated users), read-only.
 */
export async function previewMapping(
  deps: Deps,
  workspace: Workspace,
  connection: SamlConnection,
  who: { issuer: string; subject: string; email: string; groups: readonly string[] },
): Promise<MappingPreview> {
  const policy = connectionPolicy(workspace, connection);
  if (!policy.enabled) return { ok: false, text: 'Refused: sign-in through this connection is turned off (sign_in_disabled).' };
  const { users } = deps.repos;
  const user =
    (await users.findBySubject(workspace.id, who.issuer, who.subject)) ?? (await users.findByEmail(workspace.id, who.email));
  if (!user) {
    if (!policy.jit) {
      return { ok: false, text: `Refused: no user ${who.email} is provisioned and Just-in-time provisioning is off (user_not_provisioned).` };
    }
    const access = effectiveAccess(workspace, {}, who.groups);
    return { ok: true, text: `A new user ${who.email} would be created just in time, with roles ${access.roles.join(', ')}.` };
  }
  if (!user.active) return { ok: false, text: `Refused: the account ${user.userName} is deactivated (user_deactivated).` };
  const access = effectiveAccess(workspace, { scimRoles: user.scimRoles, groups: user.groups }, who.groups);
  return {
    ok: true,
    text: `${user.userName} (user ${user.id}), with roles ${access.roles.join(', ')}${access.grants.length ? ` and grants ${access.grants.join(', ')}` : ''}.`,
  };
}
