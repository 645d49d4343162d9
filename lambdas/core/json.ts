/** JSON values as the bridge parses them, and the member names it refuses in any body. */

/**
 * Member names that would reach `Object.prototype` machinery: JSON.parse makes `__proto__` an own
 * key, but a later spread, `Object.assign` or the DynamoDB marshaller (which reads `.constructor`
 * to recognise plain objects, review #8) treats these names specially. Refused at the edge in every
 * body (review #8c, #13, #14).
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
