import type { AdminPrincipal } from '../signin/admin-auth.js';
import { requirePlatform } from '../signin/admin-auth.js';
import { auditContextFrom } from '../platform/http.js';
import type { AuditContext } from '../core/audit.js';
import type { TransactItem } from '../store/client.js';
import type { Deps } from '../platform/deps.js';
import { challengeRecord, lookupChallenge, newChallengeToken } from '../platform/dns-challenge.js';
import { normalizeDomain } from '../core/domains/normalize.js';
import { isPublicMailDomain } from '../core/domains/public-mail.js';
import { BadRequest, Conflict, NotFound } from '../core/errors.js';
import { json, type HttpRequest, type HttpResponse } from '../platform/http.js';
import { withRefusal } from '../core/refusals.js';
import { DomainRepo, MAX_DOMAIN_CLAIMS, StaleWorkspace, type DomainClaim } from '../store/domains.js';
import type { Workspace } from '../core/model/workspace.js';
import { parseJsonBody } from '../platform/validate.js';
import { ClaimDomainBody } from './schemas.js';

/** What the admin API shows of a claim: its status and the TXT record that proves it. */
export function domainView(c: DomainClaim) {
  return {
    domain: c.domain,
    status: c.status,
    routesSignIns: c.status === 'verified',
    createdAt: c.createdAt,
    verifiedAt: c.verifiedAt ?? null,
    method: c.method ?? null,
    txtRecord: challengeRecord(c.domain, c.challenge),
  };
}

/**
 * A claimable domain from client input: normalised (IDNA, case, trailing dot, lengths) and not a
 * public mail domain (review #4: nobody may route `gmail.com`'s sign-ins). `field` names the input
 * in the 400 message.
 */
export function claimableDomain(input: string, field: string, teamId?: string): string {
  const domain = normalizeDomain(input);
  if (!domain) {
    throw new BadRequest(`${field}: not a domain name like example.com (at most 253 characters, labels of at most 63).`, { code: 'invalid_domain' });
  }
  if (isPublicMailDomain(domain)) {
    throw withRefusal(
      new BadRequest(`${field}: ${domain} is a public mail domain; anyone can get an address there, so it cannot route sign-ins to one workspace.`, {
        code: 'public_mail_domain',
      }),
      { ...(teamId ? { teamId } : {}), cause: 'domain.public_mail', detail: { domain } },
    );
  }
  return domain;
}

function newClaim(teamId: string, domain: string, now: string): DomainClaim {
  return { teamId, domain, status: 'pending', challenge: newChallengeToken(), createdAt: now };
}

/**
 * `emailDomains` of `PUT …/okta` (kept for compatibility): the list becomes the workspace's claims,
 * but new names are PENDING claims that route nothing until verified; names left out are removed.
 * Returns the transaction items for the caller's workspace write and the normalised list.
 */
export async function planOktaDomains(
  deps: Deps,
  ctx: AuditContext,
  w: Workspace,
  input: readonly string[],
): Promise<{ emailDomains: string[]; items: TransactItem[] }> {
  const requested = [...new Set(input.map((d, i) => claimableDomain(d, `emailDomains.${i}`, w.id)))];
  const repo = deps.repos.domains;
  const current = await repo.list(w.id);
  const removed = current.filter((c) => !requested.includes(c.domain)).map((c) => c.domain);
  const owned = removed.length > 0 ? await repo.ownedBy(w.id, removed) : new Set<string>();
  const now = deps.now().toISOString();
  const items = DomainRepo.syncItems(ctx, w.id, current, requested, owned, (d) => newClaim(w.id, d, now));
  // DynamoDB transactions hold at most 100 items; the workspace, its issuer links and its audit
  // record share this one.
  if (items.length > 80) {
    throw new BadRequest('emailDomains: too many claims change at once; use POST/DELETE …/domains for each domain.', { code: 'validation_failed' });
  }
  return { emailDomains: requested, items };
}

/**
 * `emailDomains` of a connection: each name the workspace has not claimed yet becomes a PENDING
 * claim of the workspace (like `planOktaDomains`, review #4), routing nothing until verified; no
 * claim is removed (other connections, or the workspace itself, may rely on it). Returns the
 * connection's normalised list, the workspace's new list and the transaction items.
 */
export async function planConnectionDomains(
  deps: Deps,
  ctx: AuditContext,
  w: Workspace,
  input: readonly string[],
): Promise<{ connectionDomains: string[]; emailDomains: string[]; items: TransactItem[] }> {
  const connectionDomains = [...new Set(input.map((d, i) => claimableDomain(d, `emailDomains.${i}`, w.id)))];
  const added = connectionDomains.filter((d) => !w.emailDomains.includes(d));
  if (added.length === 0) return { connectionDomains, emailDomains: w.emailDomains, items: [] };
  const current = await deps.repos.domains.list(w.id);
  const emailDomains = [...new Set([...current.map((c) => c.domain), ...connectionDomains])];
  if (emailDomains.length > MAX_DOMAIN_CLAIMS) {
    throw new BadRequest(`emailDomains: a workspace may hold at most ${MAX_DOMAIN_CLAIMS} domain claims.`, { code: 'validation_failed' });
  }
  const now = deps.now().toISOString();
  const items = DomainRepo.syncItems(ctx, w.id, current, emailDomains, new Set(), (d) => newClaim(w.id, d, now));
  if (items.length > 80) {
    throw new BadRequest('emailDomains: too many claims change at once; use POST …/domains for each domain.', { code: 'validation_failed' });
  }
  return { connectionDomains, emailDomains, items };
}

type Scoped = (req: HttpRequest, teamId: string) => Promise<{ p: AdminPrincipal; w: Workspace }>;

/** The admin API's domain routes: claim, list, verify by DNS TXT, approve with the platform key, remove. */
export function domainRoutes(deps: Deps, scoped: Scoped): [string, string, (req: HttpRequest, params: Record<string, string>) => Promise<HttpResponse>][] {
  const repo = deps.repos.domains;
  const ctxOf = (req: HttpRequest, w: Workspace, p: AdminPrincipal) => auditContextFrom(req, w.id, deps.config.REGION_ID, p.actor);
  const pathDomain = (raw: string) => {
    const d = normalizeDomain(raw);
    if (!d) throw new BadRequest('domain: not a domain name like example.com.', { code: 'invalid_domain' });
    return d;
  };
  const { workspaces } = deps.repos;
  /**
   * Runs a write that moves the workspace's domain list under its `updatedAt` lock, re-reading the
   * workspace when another change won meanwhile (two claims sent at once both succeed).
   */
  const onFresh = async <T>(w: Workspace, write: (w: Workspace) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write(w);
      } catch (err) {
        if (!(err instanceof StaleWorkspace) || attempt >= 3) throw err;
        w = await workspaces.require(w.id);
      }
    }
  };
  const requireClaim = async (w: Workspace, domain: string) => {
    const found = await repo.getWithOwner(w.id, domain);
    if (!found.claim) throw new NotFound(`${domain} is not claimed by this workspace; claim it with POST …/domains first.`);
    return { claim: found.claim, owner: found.owner };
  };

  return [
    [
      'GET',
      '/api/admin/workspaces/:teamId/domains',
      async (req, { teamId }) => {
        const { w } = await scoped(req, teamId!);
        const claims = await repo.list(w.id);
        return json(200, { domains: claims.map(domainView) });
      },
    ],
    [
      'POST',
      '/api/admin/workspaces/:teamId/domains',
      async (req, { teamId }) => {
        const { p, w } = await scoped(req, teamId!);
        const body = parseJsonBody(ClaimDomainBody, req.body);
        const domain = claimableDomain(body.domain, 'domain', w.id);
        const existing = await repo.get(w.id, domain);
        // A re-sent claim answers the claim it made (same challenge): retries converge.
        if (existing) return json(200, domainView(existing));
        if (w.emailDomains.filter((d) => d !== domain).length >= MAX_DOMAIN_CLAIMS) {
          throw new BadRequest(`domain: a workspace may hold at most ${MAX_DOMAIN_CLAIMS} domain claims.`, { code: 'validation_failed' });
        }
        const claim = newClaim(w.id, domain, deps.now().toISOString());
        await onFresh(w, (fresh) => repo.claim(ctxOf(req, fresh, p), fresh, claim, deps.now().toISOString()));
        return json(201, domainView(claim), { location: `${deps.config.API_URL}/api/admin/workspaces/${w.id}/domains/${domain}` });
      },
    ],
    [
      'POST',
      '/api/admin/workspaces/:teamId/domains/:domain/verify',
      async (req, { teamId, domain: raw }) => {
        const { p, w } = await scoped(req, teamId!);
        const domain = pathDomain(raw!);
        const { claim, owner } = await requireClaim(w, domain);
        if (claim.status === 'verified') return json(200, domainView(claim));
        // Checked before the lookup too (the transaction's condition is what decides): no DNS query
        // for a domain this workspace cannot take anyway.
        if (owner?.verified && owner.teamId !== w.id) {
          throw withRefusal(new Conflict(`${domain} is already verified by another workspace; it must remove its claim first.`), {
            teamId: w.id,
            cause: 'domain.owned_elsewhere',
            detail: { domain },
          });
        }
        const record = challengeRecord(domain, claim.challenge);
        const found = await lookupChallenge(deps.config.DNS_SERVERS, record);
        if (found.outcome !== 'verified') {
          const why =
            found.outcome === 'missing'
              ? `no TXT record was found at ${record.name}`
              : `the TXT record${found.records > 1 ? 's' : ''} at ${record.name} do${found.records > 1 ? '' : 'es'} not hold this workspace's value`;
          throw withRefusal(
            new BadRequest(`${domain} is not verified: ${why}. Publish TXT ${record.name} "${record.value}" and try again (DNS changes can take a few minutes).`, {
              code: 'domain_not_verified',
            }),
            { teamId: w.id, cause: `domain.txt_${found.outcome}`, detail: { domain } },
          );
        }
        const verified = await repo.verify(ctxOf(req, w, p), w, claim, true, 'dns', deps.now().toISOString());
        return json(200, domainView(verified));
      },
    ],
    [
      'POST',
      '/api/admin/workspaces/:teamId/domains/:domain/approve',
      async (req, { teamId, domain: raw }) => {
        const { p, w } = await scoped(req, teamId!);
        requirePlatform(p);
        // The platform may vouch for a domain without DNS, but not for a public mail domain.
        const domain = claimableDomain(raw!, 'domain', w.id);
        const { claim } = await repo.getWithOwner(w.id, domain);
        if (claim?.status === 'verified') return json(200, domainView(claim));
        const now = deps.now().toISOString();
        const verified = await onFresh(w, (fresh) => repo.verify(ctxOf(req, fresh, p), fresh, claim ?? newClaim(w.id, domain, now), claim !== undefined, 'platform', now));
        return json(200, domainView(verified));
      },
    ],
    [
      'DELETE',
      '/api/admin/workspaces/:teamId/domains/:domain',
      async (req, { teamId, domain: raw }) => {
        const { p, w } = await scoped(req, teamId!);
        const domain = pathDomain(raw!);
        const { claim, owner } = await requireClaim(w, domain);
        await onFresh(w, (fresh) => repo.remove(ctxOf(req, fresh, p), fresh, claim, owner?.teamId === w.id, deps.now().toISOString()));
        return { status: 204, headers: {}, body: '' };
      },
    ],
  ];
}
