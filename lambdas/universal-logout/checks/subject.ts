import type { Workspace } from '../../shared/repos/workspaces.js';
import { TokenCheckFailed } from './errors.js';

/**
 * The JWT `sub` names the Okta app: the OIDC `client_id` or the SAML `appInstanceId` (Okta UL
 * guide, "JWT claims"). It also picks the workspace when one org is connected to several: only
 * workspaces whose app it names are affected.
 */
export function checkSubject(sub: unknown, workspaces: readonly Workspace[]): Workspace[] {
  if (typeof sub !== 'string' || sub.length === 0) throw new TokenCheckFailed('checkSubject', 'The JWT has no sub claim.');
  const matching = workspaces.filter((w) => w.okta?.clientId === sub || (w.saml?.appInstanceId !== undefined && w.saml.appInstanceId === sub));
  if (matching.length === 0) {
    throw new TokenCheckFailed('checkSubject', `The JWT sub "${sub}" is neither the OIDC client id nor the SAML app instance id of a workspace connected to this org.`);
  }
  return matching;
}
