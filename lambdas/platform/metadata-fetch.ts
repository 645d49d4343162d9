/**
 * Fetches SAML IdP metadata from the URL an admin gave (at save time and by the periodic refresh).
 * The URL is the admin's input, so the fetch is fenced: `https:` only (plain `http:` to a loopback
 * host in local mode, for the IdP stand-ins), no IP literals of private, loopback or link-local
 * ranges when deployed, every redirect hop checked by the same rule, a 5 s timeout and a 1 MB cap.
 */
import { isIP } from 'node:net';
import { isLoopbackHost } from '../core/connections/presets.js';

export const METADATA_TIMEOUT_MS = 5_000;
export const METADATA_MAX_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 3;

/** The metadata could not be fetched; the message says why (shown to the admin, kept as `metadataError`). */
export class MetadataFetchFailed extends Error {
  override readonly name = 'MetadataFetchFailed';
}

/** IPv4/IPv6 literals no metadata URL of a deployed stack may name (RFC 1918, RFC 6890 special-purpose). */
function isInternalAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (isIP(h) === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(h) === 6) return h === '::1' || h === '::' || /^f[cd]/i.test(h) || /^fe[89ab]/i.test(h) || /^::ffff:/i.test(h);
  return false;
}

/**
 * A URL browsers are sent to at the IdP (a SAML SSO URL): `https:`, or `http:` to a loopback host in
 * local mode (review #17: `javascript:` was once accepted).
 */
export function isAllowedIdpUrl(raw: string, local: boolean): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  return u.protocol === 'https:' || (local && u.protocol === 'http:' && isLoopbackHost(u.hostname));
}

/** Checks one URL of the fetch (the first, or a redirect target). */
export function checkMetadataUrl(raw: string, local: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MetadataFetchFailed('not a URL');
  }
  const loopbackHttp = local && url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) throw new MetadataFetchFailed(`must be an https:// URL${local ? ' (or http:// on a loopback host in local mode)' : ''}`);
  if (url.username || url.password) throw new MetadataFetchFailed('must not hold credentials');
  if (!local && isInternalAddress(url.hostname)) throw new MetadataFetchFailed('must not name a private or loopback address');
  return url;
}

/** The metadata document's text; throws `MetadataFetchFailed`. */
export async function fetchMetadata(raw: string, opts: { local: boolean; timeoutMs?: number; maxBytes?: number }): Promise<string> {
  const maxBytes = opts.maxBytes ?? METADATA_MAX_BYTES;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? METADATA_TIMEOUT_MS);
  let url = checkMetadataUrl(raw, opts.local);
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetch(url, { redirect: 'manual', signal, headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw new MetadataFetchFailed('too many redirects');
        url = checkMetadataUrl(new URL(res.headers.get('location')!, url).toString(), opts.local);
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new MetadataFetchFailed(`the server answered HTTP ${res.status}`);
      }
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > maxBytes) {
        await res.body?.cancel();
        throw new MetadataFetchFailed(`larger than ${maxBytes} bytes`);
      }
      return await readCapped(res, maxBytes);
    }
  } catch (err) {
    if (err instanceof MetadataFetchFailed) throw err;
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new MetadataFetchFailed(timedOut ? `no answer within ${(opts.timeoutMs ?? METADATA_TIMEOUT_MS) / 1000} s` : 'the server could not be reached');
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new MetadataFetchFailed(`larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
