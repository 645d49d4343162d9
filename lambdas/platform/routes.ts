/**
 * The public contract of one regional stack: every route, and the endpoint group (one Lambda each)
 * that serves it. CDK builds the HTTP API from this list and the local server dispatches with it, so
 * the two can never disagree.
 *
 * Paths use API Gateway's syntax: `{name}` is one segment, `{proxy+}` the rest of the path.
 */
export const ENDPOINT_GROUPS = [
  'scim',
  'oidc',
  'saml',
  'universal-logout',
  'scim-oauth',
  'admin',
  'tokens',
  'audit',
] as const;

export type EndpointGroup = (typeof ENDPOINT_GROUPS)[number];

export interface RouteDef {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';
  readonly path: string;
  readonly group: EndpointGroup;
}

export const ROUTES: readonly RouteDef[] = [
  { method: 'GET', path: '/api/health', group: 'admin' },
  { method: 'GET', path: '/admin', group: 'admin' },
  { method: 'GET', path: '/admin/{proxy+}', group: 'admin' },
  { method: 'ANY', path: '/api/admin/{proxy+}', group: 'admin' },
  // E-mail domain claims (review #4): named here so the contract lists them; the admin group serves them.
  { method: 'GET', path: '/api/admin/workspaces/{team_id}/domains', group: 'admin' },
  { method: 'POST', path: '/api/admin/workspaces/{team_id}/domains', group: 'admin' },
  { method: 'POST', path: '/api/admin/workspaces/{team_id}/domains/{domain}/verify', group: 'admin' },
  { method: 'POST', path: '/api/admin/workspaces/{team_id}/domains/{domain}/approve', group: 'admin' },
  { method: 'DELETE', path: '/api/admin/workspaces/{team_id}/domains/{domain}', group: 'admin' },
  { method: 'GET', path: '/api/admin/workspaces/{team_id}/audit-export', group: 'audit' },
  // IdP connections (OIDC or SAML, from a provider preset); `…/okta` and `…/saml` address the `okta` and `saml` ones.
  { method: 'GET', path: '/api/admin/presets', group: 'admin' },
  { method: 'GET', path: '/api/admin/workspaces/{team_id}/connections', group: 'admin' },
  { method: 'POST', path: '/api/admin/workspaces/{team_id}/connections', group: 'admin' },
  { method: 'GET', path: '/api/admin/workspaces/{team_id}/connections/{connection_id}', group: 'admin' },
  { method: 'PUT', path: '/api/admin/workspaces/{team_id}/connections/{connection_id}', group: 'admin' },
  { method: 'DELETE', path: '/api/admin/workspaces/{team_id}/connections/{connection_id}', group: 'admin' },

  { method: 'GET', path: '/api/okta/oidc/login', group: 'oidc' },
  { method: 'GET', path: '/api/okta/oidc/callback', group: 'oidc' },

  // Vendor-neutral sign-in: any OIDC connection (the `/api/okta/oidc/…` pair serves Okta's, as the seeds register it).
  { method: 'GET', path: '/api/sso/oidc/login', group: 'oidc' },
  { method: 'GET', path: '/api/sso/oidc/callback', group: 'oidc' },

  { method: 'GET', path: '/api/saml/{team_id}/metadata', group: 'saml' },
  { method: 'GET', path: '/api/saml/{team_id}/login', group: 'saml' },
  { method: 'POST', path: '/api/saml/{team_id}/acs', group: 'saml' },
  // Any SAML connection by id (the `/api/saml/{team_id}/…` URLs above address the `saml` connection).
  { method: 'GET', path: '/api/sso/saml/{team_id}/{connection_id}/metadata', group: 'saml' },
  { method: 'GET', path: '/api/sso/saml/{team_id}/{connection_id}/login', group: 'saml' },
  { method: 'POST', path: '/api/sso/saml/{team_id}/{connection_id}/acs', group: 'saml' },

  { method: 'ANY', path: '/api/scim/v2/{team_id}', group: 'scim' },
  { method: 'ANY', path: '/api/scim/v2/{team_id}/{proxy+}', group: 'scim' },

  { method: 'GET', path: '/api/okta/scim/oauth/authorize', group: 'scim-oauth' },
  { method: 'POST', path: '/api/okta/scim/oauth/authorize', group: 'scim-oauth' },
  { method: 'POST', path: '/api/okta/scim/oauth/token', group: 'scim-oauth' },

  { method: 'POST', path: '/api/okta/universal-logout', group: 'universal-logout' },
  { method: 'POST', path: '/api/okta/ssf/events', group: 'universal-logout' },

  { method: 'POST', path: '/api/sso/token', group: 'tokens' },
  { method: 'POST', path: '/api/tokens/introspect', group: 'tokens' },
  { method: 'POST', path: '/api/tokens/revoke', group: 'tokens' },
  { method: 'POST', path: '/api/workspaces/{team_id}/users/{user_id}/tokens', group: 'tokens' },
];

interface CompiledRoute {
  readonly route: RouteDef;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly specificity: number;
}

function compile(route: RouteDef): CompiledRoute {
  const names: string[] = [];
  let specificity = 0;
  const pattern = route.path
    .split('/')
    .map((seg) => {
      const greedy = /^\{(\w+)\+\}$/.exec(seg);
      if (greedy) {
        names.push(greedy[1]!);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(seg);
      if (param) {
        names.push(param[1]!);
        specificity += 1;
        return '([^/]+)';
      }
      specificity += 10;
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, regex: new RegExp(`^${pattern}$`), names, specificity: specificity * 2 + (route.method === 'ANY' ? 0 : 1) };
}

const COMPILED = ROUTES.map(compile).sort((a, b) => b.specificity - a.specificity);

export interface RouteMatch {
  readonly route: RouteDef;
  readonly routeKey: string;
  readonly pathParameters: Record<string, string>;
}

/** Finds the route API Gateway would pick: the most specific path wins, and a method beats `ANY`. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const c of COMPILED) {
    if (c.route.method !== 'ANY' && c.route.method !== method) continue;
    const m = c.regex.exec(path);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    c.names.forEach((name, i) => {
      pathParameters[name] = decodeURIComponent(m[i + 1]!);
    });
    return { route: c.route, routeKey: `${c.route.method} ${c.route.path}`, pathParameters };
  }
  return undefined;
}
