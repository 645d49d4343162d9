import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSamlIdp, xmlEscape, type BuildResponseOptions, type SamlIdp, type SamlIdpOptions } from './index.js';

/** The signed-in user of the local IdP: who every response is about. */
export type LocalIdpUser = Pick<BuildResponseOptions, 'nameId' | 'attributes'>;

/** A local SAML IdP reachable over HTTP, like an Okta org's SAML app. */
export interface SamlIdpServer {
  readonly idp: SamlIdp;
  /** Base URL, no trailing slash. */
  readonly url: string;
  /** Changes who is "signed in" at the IdP. */
  setUser(user: LocalIdpUser): void;
  close(): Promise<void>;
}

/** Options of `startSamlIdpServer`. */
export interface SamlIdpServerOptions extends Omit<SamlIdpOptions, 'ssoUrl'> {
  readonly user: LocalIdpUser;
  /** The SP's entity id (Okta's "Audience URI"), needed for IdP-initiated responses. */
  readonly audience: string;
  /** The SP's ACS URL (Okta's "Single sign-on URL"), used for IdP-initiated responses. */
  readonly acsUrl: string;
  readonly port?: number;
}

/** The auto-submitting form of the HTTP-POST binding (SAML bindings §3.5.4), as Okta serves it. */
function postForm(acsUrl: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${xmlEscape(k)}" value="${xmlEscape(v)}">`)
    .join('');
  return `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${xmlEscape(acsUrl)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`;
}

/**
 * Serves a local IdP for the demo and browser tests: `GET /sso?SAMLRequest=…` answers an
 * SP-initiated AuthnRequest (HTTP-Redirect binding) with a signed Response for the current user,
 * and `GET /init?RelayState=…` starts an IdP-initiated sign-in (the Okta dashboard tile, Entra's
 * My Apps). Both return the auto-posting form a browser submits to the ACS. `GET /metadata` is the
 * IdP metadata (what a connection made from a metadata URL reads and refreshes), `GET /cert.pem`
 * the signing certificate. There is no password prompt: the user is whoever `setUser` named
 * (for `flavor: 'entra'`, build it with `idp.entraUser(…)`).
 */
export async function startSamlIdpServer(opts: SamlIdpServerOptions): Promise<SamlIdpServer> {
  let user = opts.user;
  let idp: SamlIdp | undefined;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const send = (status: number, body: string, type = 'text/html; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (!idp) return send(503, 'starting', 'text/plain');
    try {
      if (req.method === 'GET' && url.pathname === '/sso') {
        const { acsUrl, form } = idp.respondTo(`${url.origin}${req.url}`, { ...user, audience: opts.audience });
        return send(200, postForm(acsUrl, Object.fromEntries(form)));
      }
      if (req.method === 'GET' && url.pathname === '/init') {
        const SAMLResponse = idp.buildResponse({ ...user, acsUrl: opts.acsUrl, audience: opts.audience, sign: idp.flavor === 'entra' ? 'assertion' : 'both' });
        const relayState = url.searchParams.get('RelayState');
        return send(200, postForm(opts.acsUrl, { SAMLResponse, ...(relayState ? { RelayState: relayState } : {}) }));
      }
      if (req.method === 'GET' && url.pathname === '/metadata') return send(200, idp.metadataXml(), 'application/samlmetadata+xml; charset=utf-8');
      if (req.method === 'GET' && url.pathname === '/cert.pem') return send(200, idp.certificatePem, 'application/x-pem-file');
      return send(404, 'not found', 'text/plain');
    } catch (err) {
      return send(400, `bad request: ${err instanceof Error ? err.message : String(err)}`, 'text/plain');
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp = await createSamlIdp({ ...opts, ssoUrl: `${base}/sso` });
  return {
    idp,
    url: base,
    setUser: (u) => {
      user = u;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
