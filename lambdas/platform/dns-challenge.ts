import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { ApiError } from '../core/errors.js';

/**
 * The DNS TXT challenge that proves a workspace controls an e-mail domain (the ACME DNS-01 shape,
 * RFC 8555 §8.4, and what Google Workspace, Slack and Okta do for domain verification): the owner
 * publishes `idp-bridge-verification=<token>` at `_idp-bridge-challenge.<domain>`, where the
 * token is random and belongs to one workspace's claim, so a record published for one workspace
 * never verifies another's.
 */
const CHALLENGE_LABEL = '_idp-bridge-challenge';
const CHALLENGE_PREFIX = 'idp-bridge-verification=';

/** The TXT record a claim asks its owner to publish. */
export interface ChallengeRecord {
  readonly name: string;
  readonly type: 'TXT';
  readonly value: string;
}

/** A fresh challenge token: 192 random bits, URL-safe. */
export function newChallengeToken(): string {
  return randomBytes(24).toString('base64url');
}

export function challengeRecord(domain: string, token: string): ChallengeRecord {
  return { name: `${CHALLENGE_LABEL}.${domain}`, type: 'TXT', value: `${CHALLENGE_PREFIX}${token}` };
}

/** The resolver could not answer (timeout, SERVFAIL, refused): nothing is known, try again later. */
class DnsUnavailable extends ApiError {
  constructor(cause: unknown) {
    super(503, 'dns_unavailable', 'The DNS lookup of the verification record failed; try again in a minute.', {
      cause,
      headers: { 'retry-after': '30' },
    });
  }

  /** The caller may read why (a DNS outage is not our bug, and the message holds nothing internal). */
  override get expose(): boolean {
    return true;
  }
}

/** What the lookup found at the challenge name. */
export type ChallengeLookup =
  | { readonly outcome: 'verified' }
  | { readonly outcome: 'missing' }
  /** TXT records exist at the name, none with the expected value (how many, never their text). */
  | { readonly outcome: 'mismatch'; readonly records: number };

/** Answers that mean "the name or its TXT records do not exist" (node's c-ares error codes). */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

/**
 * Looks the challenge up with node's resolver, against `servers` (`DNS_SERVERS`) or the system's.
 * A TXT record may be split into several character-strings (RFC 1035 §3.3.14, RFC 7208 §3.3):
 * they are joined before comparing, as every TXT-based verification does.
 */
export async function lookupChallenge(servers: readonly string[], record: ChallengeRecord): Promise<ChallengeLookup> {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  let answers: string[][];
  try {
    answers = await resolver.resolveTxt(record.name);
  } catch (err) {
    if (ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) return { outcome: 'missing' };
    throw new DnsUnavailable(err);
  }
  const values = answers.map((chunks) => chunks.join(''));
  if (values.some((v) => v.trim() === record.value)) return { outcome: 'verified' };
  return values.length === 0 ? { outcome: 'missing' } : { outcome: 'mismatch', records: values.length };
}
