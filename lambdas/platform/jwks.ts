import { createRemoteJWKSet, customFetch, type FetchImplementation, type RemoteJWKSet } from 'jose';
import { AppError } from '../core/errors.js';

/**
 * Remote key sets of IdP issuers (Okta orgs), cached per Lambda instance.
 *
 * The key set's URL is discovered from `{issuer}/.well-known/openid-configuration` (`jwks_uri`,
 * OpenID Connect Discovery 1.0 §3/§4): an Okta org serves `{issuer}/oauth2/v1/keys`, the local
 * Okta stand-in serves something else, and discovery finds both. Fetching and caching the keys is
 * jose's `createRemoteJWKSet`: keys are cached (`cacheMaxAge`), and a token whose `kid` is unknown
 * triggers one refetch at most every `cooldownDuration` (Okta rotates its keys; an attacker
 * inventing kids cannot make us hammer the org).
 *
 * Callers must only ask for issuers they already trust (a connected org): the issuer names the URL
 * we fetch, so an issuer taken from an unverified token would be a server-side request forgery.
 */

/** The key set endpoint of an issuer could not be reached or returned nonsense. Retryable (503). */
export class KeySetUnavailable extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(503, 'temporarily_unavailable', message, { ...options, headers: { 'retry-after': '5' } });
  }
  /** The message names only the issuer (public), so callers see why and retry. */
  override get expose(): boolean {
    return true;
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface IssuerKeySetOptions {
  /** `fetch` to use (tests may count calls); default the global one. */
  readonly fetch?: FetchLike;
  /** How long a discovered `jwks_uri` is reused; default 1 hour. */
  readonly discoveryMaxAgeMs?: number;
  /** How long a failed discovery is remembered before trying again; default 30 s. */
  readonly discoveryFailureCooldownMs?: number;
  /** jose `cacheMaxAge`: how long fetched keys are trusted without refetch; default 10 minutes. */
  readonly cacheMaxAgeMs?: number;
  /** jose `cooldownDuration`: minimum time between refetches on an unknown `kid`; default 30 s. */
  readonly cooldownMs?: number;
  /** Timeout of each HTTP request; default 5 s (Okta gives a Universal Logout call 60 s in total). */
  readonly timeoutMs?: number;
  /** Accept plain-HTTP loopback issuers and key URLs (local mode only, like the admin API). */
  readonly allowHttpLoopback?: boolean;
  /** Clock for the discovery cache; default `Date.now`. */
  readonly now?: () => number;
}

interface Discovered {
  readonly jwksUri: string;
  readonly keys: RemoteJWKSet;
  readonly at: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for `https:` URLs, and for `http:` loopback URLs when allowed. */
function isAcceptableKeyUrl(url: URL, allowHttpLoopback: boolean): boolean {
  if (url.protocol === 'https:') return true;
  return allowHttpLoopback && url.protocol === 'http:' && LOOPBACK.has(url.hostname);
}

/**
 * A per-issuer cache of remote JWKS resolvers. One instance per process is enough
 * (`issuerKeySets()`); tests build their own with a short cooldown.
 */
export class IssuerKeySets {
  private readonly discovered = new Map<string, Discovered>();
  private readonly inflight = new Map<string, Promise<Discovered>>();
  private readonly failures = new Map<string, { at: number; error: KeySetUnavailable }>();
  private readonly opts: Required<Omit<IssuerKeySetOptions, 'fetch'>> & { fetch: FetchLike };

  constructor(opts: IssuerKeySetOptions = {}) {
    this.opts = {
      fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
      discoveryMaxAgeMs: opts.discoveryMaxAgeMs ?? 3_600_000,
      discoveryFailureCooldownMs: opts.discoveryFailureCooldownMs ?? 30_000,
      cacheMaxAgeMs: opts.cacheMaxAgeMs ?? 600_000,
      cooldownMs: opts.cooldownMs ?? 30_000,
      timeoutMs: opts.timeoutMs ?? 5_000,
      allowHttpLoopback: opts.allowHttpLoopback ?? false,
      now: opts.now ?? Date.now,
    };
  }

  /**
   * The key resolver of a trusted issuer, for jose's `jwtVerify`/`compactVerify`. Discovery runs
   * once per `discoveryMaxAgeMs`; concurrent callers share one discovery request.
   */
  async forIssuer(issuer: string): Promise<RemoteJWKSet> {
    const now = this.opts.now();
    const hit = this.discovered.get(issuer);
    if (hit && now - hit.at < this.opts.discoveryMaxAgeMs) return hit.keys;
    const failed = this.failures.get(issuer);
    if (failed && now - failed.at < this.opts.discoveryFailureCooldownMs) throw failed.error;
    let pending = this.inflight.get(issuer);
    if (!pending) {
      pending = this.discover(issuer, hit)
        .then((d) => {
          this.discovered.set(issuer, d);
          this.failures.delete(issuer);
          return d;
        })
        .catch((err: unknown) => {
          const error = err instanceof KeySetUnavailable ? err : new KeySetUnavailable(`The key set of ${issuer} is unavailable.`, { cause: err });
          // A stale but once-good key set beats none while the org's discovery document misbehaves;
          // try discovery again after the failure cooldown, not on every request.
          if (hit) {
            const retryLater = { ...hit, at: this.opts.now() - this.opts.discoveryMaxAgeMs + this.opts.discoveryFailureCooldownMs };
            this.discovered.set(issuer, retryLater);
            return retryLater;
          }
          this.failures.set(issuer, { at: this.opts.now(), error });
          throw error;
        })
        .finally(() => this.inflight.delete(issuer));
      this.inflight.set(issuer, pending);
    }
    return (await pending).keys;
  }

  /** The resolver of a key set at a known URL (no discovery), cached by URL. */
  forJwksUri(jwksUri: string): RemoteJWKSet {
    const key = `uri:${jwksUri}`;
    const hit = this.discovered.get(key);
    if (hit) return hit.keys;
    const url = new URL(jwksUri);
    if (!isAcceptableKeyUrl(url, this.opts.allowHttpLoopback)) throw new KeySetUnavailable(`Refusing a non-HTTPS key set URL: ${jwksUri}`);
    const keys = this.remote(url);
    this.discovered.set(key, { jwksUri, keys, at: this.opts.now() });
    return keys;
  }

  /** Forgets everything (tests). */
  clear(): void {
    this.discovered.clear();
    this.failures.clear();
  }

  private async discover(issuer: string, previous: Discovered | undefined): Promise<Discovered> {
    let base: URL;
    try {
      base = new URL(issuer);
    } catch (err) {
      throw new KeySetUnavailable(`Not a URL issuer: ${issuer}`, { cause: err });
    }
    if (!isAcceptableKeyUrl(base, this.opts.allowHttpLoopback)) throw new KeySetUnavailable(`Refusing a non-HTTPS issuer: ${issuer}`);
    const configUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: unknown;
    try {
      const res = await this.opts.fetch(configUrl, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status} from ${configUrl}`);
      doc = await res.json();
    } catch (err) {
      throw new KeySetUnavailable(`Discovery of ${issuer} failed.`, { cause: err });
    }
    const d = doc as { issuer?: unknown; jwks_uri?: unknown } | null;
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer MUST equal the issuer we asked for.
    if (!d || typeof d.issuer !== 'string' || d.issuer.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
      throw new KeySetUnavailable(`The discovery document of ${issuer} names another issuer.`);
    }
    if (typeof d.jwks_uri !== 'string') throw new KeySetUnavailable(`The discovery document of ${issuer} has no jwks_uri.`);
    let jwksUrl: URL;
    try {
      jwksUrl = new URL(d.jwks_uri);
    } catch (err) {
      throw new KeySetUnavailable(`The jwks_uri of ${issuer} is not a URL.`, { cause: err });
    }
    if (!isAcceptableKeyUrl(jwksUrl, this.opts.allowHttpLoopback)) throw new KeySetUnavailable(`Refusing a non-HTTPS jwks_uri for ${issuer}.`);
    // Same URL as before: keep the resolver, and with it the keys it has already fetched.
    if (previous && previous.jwksUri === jwksUrl.href) return { ...previous, at: this.opts.now() };
    return { jwksUri: jwksUrl.href, keys: this.remote(jwksUrl), at: this.opts.now() };
  }

  private remote(url: URL): RemoteJWKSet {
    const f = this.opts.fetch;
    const impl: FetchImplementation = (input, init) => f(input, init);
    return createRemoteJWKSet(url, {
      timeoutDuration: this.opts.timeoutMs,
      cooldownDuration: this.opts.cooldownMs,
      cacheMaxAge: this.opts.cacheMaxAgeMs,
      [customFetch]: impl,
    });
  }
}

const shared = new Map<string, IssuerKeySets>();

/**
 * The process-wide key-set cache (one per Lambda instance, so keys survive between requests).
 * `allowHttpLoopback` must be `config.LOCAL_MODE`: deployed stacks only fetch over HTTPS.
 */
export function issuerKeySets(opts: { allowHttpLoopback: boolean }): IssuerKeySets {
  const k = String(opts.allowHttpLoopback);
  let s = shared.get(k);
  if (!s) {
    s = new IssuerKeySets({ allowHttpLoopback: opts.allowHttpLoopback });
    shared.set(k, s);
  }
  return s;
}
