import type { ProtectedHeaderParameters } from 'jose';
import { ASYMMETRIC_ALGS, requireAlg } from '../../core/checks/index.js';
import { tokenCheck } from './errors.js';

/**
 * Asymmetric signature algorithms only. Okta signs with its org keys (RS256 by default); `none` and
 * the HMAC family are refused before any key is looked at, which defeats the algorithm-confusion
 * attack of a token HMAC-signed with the org's *public* key (RFC 8725 §2.1 and §3.1).
 */
export const ALLOWED_ALGS = ASYMMETRIC_ALGS;

export const checkAlg = tokenCheck('checkAlg', (header: ProtectedHeaderParameters): string => requireAlg(header.alg, ALLOWED_ALGS, 'The JWT'));
