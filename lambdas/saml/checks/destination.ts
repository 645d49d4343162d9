import { DestinationMismatch } from '../errors.js';
import type { ResponseEnvelope } from '../envelope.js';

/**
 * Step 6 — a Response that names a Destination names this workspace's ACS URL (SAML core
 * §3.2.2, bindings §3.5.5.2). Okta always sends it; a response meant for another SP (or another
 * region's stack) is refused even when its signature holds.
 */
export function checkDestination(envelope: ResponseEnvelope, acsUrl: string): string {
  if (envelope.destination === undefined) return '(not present)';
  if (envelope.destination !== acsUrl) throw new DestinationMismatch(acsUrl, envelope.destination);
  return envelope.destination;
}
