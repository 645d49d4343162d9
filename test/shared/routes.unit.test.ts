import { describe, expect, it } from 'vitest';
import { ENDPOINT_GROUPS, matchRoute, ROUTES } from '../../lambdas/platform/routes.js';

describe('matchRoute', () => {
  it.each([
    ['GET', '/api/health', 'admin', {}],
    ['GET', '/api/admin/workspaces/t1/audit-export', 'audit', { team_id: 't1' }],
    ['PUT', '/api/admin/workspaces/t1/okta', 'admin', { proxy: 'workspaces/t1/okta' }],
    ['GET', '/api/scim/v2/t1/Users', 'scim', { team_id: 't1', proxy: 'Users' }],
    ['PATCH', '/api/scim/v2/t1/Groups/g1', 'scim', { team_id: 't1', proxy: 'Groups/g1' }],
    ['POST', '/api/saml/t1/acs', 'saml', { team_id: 't1' }],
    ['POST', '/api/okta/universal-logout', 'universal-logout', {}],
    ['POST', '/api/workspaces/t1/users/u1/tokens', 'tokens', { team_id: 't1', user_id: 'u1' }],
  ])('routes %s %s to %s', (method, path, group, params) => {
    const m = matchRoute(method, path);
    expect(m?.route.group).toBe(group);
    expect(m?.pathParameters).toEqual(params);
  });

  it('answers nothing for unknown paths and methods', () => {
    expect(matchRoute('GET', '/nope')).toBeUndefined();
    expect(matchRoute('DELETE', '/api/okta/universal-logout')).toBeUndefined();
  });

  it('gives every endpoint group at least one route', () => {
    for (const g of ENDPOINT_GROUPS) expect(ROUTES.some((r) => r.group === g)).toBe(true);
  });
});
