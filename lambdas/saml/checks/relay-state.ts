import type { Config } from '../../shared/config.js';
import { InvalidRelayState } from '../errors.js';
import { resolveDestination, type Destination } from '../relay-state.js';
import type { Solicitation } from './solicitation.js';

/**
 * Step 11 — the RelayState, when present, names an allowed landing place (no open redirect). For
 * an SP-initiated sign-in the destination stored with the request wins over the posted RelayState,
 * which travelled through the browser; for an IdP-initiated one, RelayState is Okta's Default
 * RelayState or a deep link (`okta-protocols.md` §6: handle both empty and deep-link values).
 */
export function checkRelayState(relayState: string | undefined, solicitation: Solicitation, config: Config): Destination | undefined {
  const posted = resolveDestination(relayState, config);
  if (posted === null) throw new InvalidRelayState();
  return solicitation.kind === 'sp-initiated' ? (solicitation.request.destination ?? posted) : posted;
}
