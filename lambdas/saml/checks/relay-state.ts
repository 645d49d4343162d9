import type { Config } from '../../platform/config.js';
import { InvalidRelayState, UnsolicitedBridgeDestination } from '../errors.js';
import { resolveDestination, type Destination } from '../relay-state.js';
import type { Solicitation } from './solicitation.js';

/**
 * Step 11 — the RelayState, when present, names an allowed landing place (no open redirect). For
 * an SP-initiated sign-in the destination stored with the request wins over the posted RelayState,
 * which travelled through the browser; for an IdP-initiated one, RelayState is Okta's Default
 * RelayState or a deep link (`docs/reference/okta-protocols.md` §6: handle both empty and deep-link values),
 * never a page of the bridge itself.
 */
export function checkRelayState(relayState: string | undefined, solicitation: Solicitation, config: Config): Destination | undefined {
  const posted = resolveDestination(relayState, config);
  if (posted === null) throw new InvalidRelayState();
  if (solicitation.kind === 'sp-initiated' && solicitation.request.destination) return solicitation.request.destination;
  // IdP-initiated stays allowed by default (Okta's dashboard tile needs it), but only towards the
  // host app: an unsolicited response into the bridge's own pages is login CSRF (review #21). The
  // same holds for a bridge page that only the posted RelayState names: the stored request of an
  // SP-initiated sign-in must have asked for it.
  if (posted?.kind === 'bridge') throw new UnsolicitedBridgeDestination();
  return posted;
}
