import { InvalidIdToken } from './errors.js';

/** `sub` is the stable Okta user id the sign-in is keyed on; it must be a sensible string. */
export function checkSubject(sub: unknown): string {
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) throw new InvalidIdToken('checkSubject', 'The ID token has no usable sub claim.');
  return sub;
}
