/** A minimal SCIM client used against both idp-bridge and Polis, so both see the same requests. */

export interface ScimTarget {
  readonly name: string;
  /** SCIM base URL, no trailing slash. */
  readonly baseUrl: string;
  readonly token: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} answered ${status}: ${body.slice(0, 300)}`);
  }
}

/** Sends one request; resolves with the parsed JSON body (undefined for empty bodies); throws on unexpected status. */
export async function scimCall<T = Record<string, unknown>>(t: ScimTarget, method: string, path: string, body?: unknown, expect: readonly number[] = [200, 201, 204]): Promise<T> {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${t.token}`,
      accept: 'application/scim+json',
      'user-agent': 'Okta SCIM Client 1.0.0',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new HttpError(res.status, text, `${t.name} ${method} ${path.split('?')[0]}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The body Okta sends to create a user (docs/reference/okta-protocols.md §2). */
export function oktaUserBody(userName: string): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Bench', familyName: userName.split('@')[0] },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `Bench ${userName}`,
    locale: 'en-US',
    externalId: `00u${userName.replace(/[^a-z0-9]/gi, '').slice(0, 17)}`,
    groups: [],
    password: 'not-stored',
    active: true,
  };
}

export const filterUserName = (u: string) => `/Users?filter=${encodeURIComponent(`userName eq "${u}"`)}&startIndex=1&count=100`;
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
