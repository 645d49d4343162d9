import { keys } from './keys.js';
import { ConditionFailed, type Db, type Item, type TransactItem } from './client.js';
import { auditPut } from './audit-items.js';
import type { AuditContext } from '../core/audit.js';
import { Conflict } from '../core/errors.js';
import type { Workspace } from '../core/model/workspace.js';

/** How a claim was proven. */
export type VerificationMethod = 'dns' | 'platform';

/**
 * A workspace's claim of an e-mail domain. Several workspaces may hold pending claims on one
 * domain (each with its own challenge); at most one is verified at a time, and only that one
 * routes sign-ins (docs/reference/DESIGN.md, invariants: "E-mail domains route sign-ins only once their
 * ownership is proven").
 */
export interface DomainClaim {
  teamId: string;
  /** Normalised (`normalizeDomain`): lower-case ASCII, no trailing dot. */
  domain: string;
  status: 'pending' | 'verified';
  /** The per-claim random token the TXT record must carry (public once published; not a secret). */
  challenge: string;
  createdAt: string;
  verifiedAt?: string;
  method?: VerificationMethod;
}

/** Most claims one workspace may hold (as many as `emailDomains` of `PUT …/okta` ever allowed). */
export const MAX_DOMAIN_CLAIMS = 50;

function toItem(c: DomainClaim): Item {
  return { ...keys.domainClaim(c.teamId, c.domain), type: 'domain_claim', ...c };
}

function fromItem(item: Item): DomainClaim {
  const c: DomainClaim = {
    teamId: String(item.teamId),
    domain: String(item.domain),
    status: item.status === 'verified' ? 'verified' : 'pending',
    challenge: String(item.challenge),
    createdAt: String(item.createdAt),
  };
  if (typeof item.verifiedAt === 'string') c.verifiedAt = item.verifiedAt;
  if (item.method === 'dns' || item.method === 'platform') c.method = item.method;
  return c;
}

/** The workspace's own list of claimed domain names moves with its claims, under its optimistic lock. */
function workspaceDomainsUpdate(w: Workspace, domains: string[], now: string): TransactItem {
  return {
    Update: {
      Key: keys.workspace(w.id),
      UpdateExpression: 'SET emailDomains = :d, updatedAt = :n',
      ConditionExpression: 'updatedAt = :u',
      ExpressionAttributeValues: { ':d': domains, ':n': now, ':u': w.updatedAt },
    },
  };
}

/**
 * Takes the global owner item for a verified claim. It may be written when nobody owns the domain,
 * when this workspace already does, or over an owner item from before verification existed
 * (no `verifiedAt`: a first-come claim that never routed anything once this code runs).
 */
function ownerPut(c: DomainClaim, verifiedAt: string, method: VerificationMethod): TransactItem {
  return {
    Put: {
      Item: { ...keys.emailDomain(c.domain), type: 'domain', domain: c.domain, teamId: c.teamId, verifiedAt, method },
      ConditionExpression: 'attribute_not_exists(pk) OR teamId = :t OR attribute_not_exists(verifiedAt)',
      ExpressionAttributeValues: { ':t': c.teamId },
    },
  };
}

/** Releases the global owner item, only if this workspace holds it. */
function ownerDelete(teamId: string, domain: string): TransactItem {
  return { Delete: { Key: keys.emailDomain(domain), ConditionExpression: 'teamId = :t', ExpressionAttributeValues: { ':t': teamId } } };
}

/** The workspace item changed between its read and this write (its `updatedAt` lock); re-read and retry. */
export class StaleWorkspace extends Conflict {
  constructor() {
    super('The workspace changed concurrently; reload and retry.');
  }
}

const staleWorkspace = () => new StaleWorkspace();
const takenElsewhere = (domain: string) => new Conflict(`${domain} is already verified by another workspace; it must remove its claim first.`);

/**
 * E-mail-domain claims and the global owner of each domain. Every claim, verification, approval
 * and removal commits with its audit record in one transaction.
 */
export class DomainRepo {
  constructor(private readonly db: Db) {}

  /** The workspace's claims (one query of its claims partition; at most `MAX_DOMAIN_CLAIMS`). */
  async list(teamId: string): Promise<DomainClaim[]> {
    const items = await this.db.queryAll({
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': keys.domainClaimPartition(teamId) },
    });
    return items.map(fromItem);
  }

  async get(teamId: string, domain: string): Promise<DomainClaim | undefined> {
    const item = await this.db.get(keys.domainClaim(teamId, domain));
    return item ? fromItem(item) : undefined;
  }

  /**
   * The claim and the domain's global owner item, in one round trip. `owner.verified` is false for
   * an owner item written before verification existed.
   */
  async getWithOwner(teamId: string, domain: string): Promise<{ claim?: DomainClaim; owner?: { teamId: string; verified: boolean } }> {
    const [claim, owner] = await this.db.batchGet([keys.domainClaim(teamId, domain), keys.emailDomain(domain)]);
    return {
      ...(claim ? { claim: fromItem(claim) } : {}),
      ...(typeof owner?.teamId === 'string' ? { owner: { teamId: owner.teamId, verified: typeof owner.verifiedAt === 'string' } } : {}),
    };
  }

  /**
   * The workspace whose claim of `domain` is verified, if any: the only answer that routes a
   * sign-in. Owner items written before verification existed carry no `verifiedAt` and route nothing.
   */
  async verifiedOwner(domain: string): Promise<string | undefined> {
    const item = await this.db.get(keys.emailDomain(domain));
    return item && typeof item.verifiedAt === 'string' && typeof item.teamId === 'string' ? item.teamId : undefined;
  }

  /** Records a pending claim with its challenge; the workspace's domain list gains the name. */
  async claim(ctx: AuditContext, w: Workspace, claim: DomainClaim, now: string): Promise<void> {
    const domains = [...new Set([...w.emailDomains, claim.domain])];
    try {
      await this.db.transact([
        workspaceDomainsUpdate(w, domains, now),
        { Put: { Item: toItem(claim), ConditionExpression: 'attribute_not_exists(pk)' } },
        auditPut(ctx, { action: 'domain.claimed', target: { type: 'domain', id: claim.domain }, after: claim }),
      ]);
    } catch (err) {
      if (err instanceof ConditionFailed) {
        if (err.failedIndexes.includes(1)) throw new Conflict(`${claim.domain} was claimed concurrently; reload and retry.`);
        throw staleWorkspace();
      }
      throw err;
    }
  }

  /**
   * Marks a claim verified and makes its workspace the domain's owner. `existing` is the stored
   * claim (its challenge must still be the one checked); without one (platform approval of a domain
   * never claimed) the claim is created verified, and the workspace's domain list gains the name.
   */
  async verify(
    ctx: AuditContext,
    w: Workspace,
    claim: DomainClaim,
    existing: boolean,
    method: VerificationMethod,
    now: string,
  ): Promise<DomainClaim> {
    const verified: DomainClaim = { ...claim, status: 'verified', verifiedAt: now, method };
    const items: TransactItem[] = existing
      ? [
          {
            Update: {
              Key: keys.domainClaim(claim.teamId, claim.domain),
              UpdateExpression: 'SET #s = :v, verifiedAt = :n, #m = :m',
              ConditionExpression: 'challenge = :c',
              ExpressionAttributeNames: { '#s': 'status', '#m': 'method' },
              ExpressionAttributeValues: { ':v': 'verified', ':n': now, ':m': method, ':c': claim.challenge },
            },
          },
        ]
      : [
          { Put: { Item: toItem(verified), ConditionExpression: 'attribute_not_exists(pk)' } },
          workspaceDomainsUpdate(w, [...new Set([...w.emailDomains, claim.domain])], now),
        ];
    const ownerIndex = items.length;
    items.push(ownerPut(claim, now, method));
    items.push(
      auditPut(ctx, {
        action: method === 'platform' ? 'domain.approved' : 'domain.verified',
        target: { type: 'domain', id: claim.domain },
        before: existing ? claim : null,
        after: verified,
      }),
    );
    try {
      await this.db.transact(items);
    } catch (err) {
      if (err instanceof ConditionFailed) {
        if (err.failedIndexes.includes(ownerIndex)) throw takenElsewhere(claim.domain);
        if (err.failedIndexes.includes(0)) throw new Conflict(`The claim of ${claim.domain} changed concurrently; reload and retry.`);
        throw staleWorkspace();
      }
      throw err;
    }
    return verified;
  }

  /**
   * Removes a claim; a verified one also releases the domain's owner item (only if this workspace
   * holds it), so the domain stops routing here in the same transaction.
   */
  async remove(ctx: AuditContext, w: Workspace, claim: DomainClaim, ownsDomain: boolean, now: string): Promise<void> {
    const domains = w.emailDomains.filter((d) => d !== claim.domain);
    try {
      await this.db.transact([
        workspaceDomainsUpdate(w, domains, now),
        { Delete: { Key: keys.domainClaim(claim.teamId, claim.domain), ConditionExpression: 'challenge = :c', ExpressionAttributeValues: { ':c': claim.challenge } } },
        ...(ownsDomain ? [ownerDelete(claim.teamId, claim.domain)] : []),
        auditPut(ctx, { action: 'domain.removed', target: { type: 'domain', id: claim.domain }, before: claim }),
      ]);
    } catch (err) {
      if (err instanceof ConditionFailed) {
        if (err.failedIndexes.includes(0)) throw staleWorkspace();
        throw new Conflict(`The claim of ${claim.domain} changed concurrently; reload and retry.`);
      }
      throw err;
    }
  }

  /**
   * Transaction items (with their audit records) that bring a workspace's claims to `requested`
   * inside a caller's own workspace write (`PUT …/okta` with `emailDomains`): new names become
   * PENDING claims, claims no longer listed are removed (a verified one releases its owner item).
   * The caller writes the workspace item itself, with `emailDomains = requested`.
   */
  static syncItems(
    ctx: AuditContext,
    teamId: string,
    current: readonly DomainClaim[],
    requested: readonly string[],
    ownedByUs: ReadonlySet<string>,
    newClaim: (domain: string) => DomainClaim,
  ): TransactItem[] {
    const have = new Set(current.map((c) => c.domain));
    const want = new Set(requested);
    const items: TransactItem[] = [];
    for (const d of want) {
      if (have.has(d)) continue;
      const claim = newClaim(d);
      items.push({ Put: { Item: toItem(claim), ConditionExpression: 'attribute_not_exists(pk)' } });
      items.push(auditPut(ctx, { action: 'domain.claimed', target: { type: 'domain', id: d }, after: claim }));
    }
    for (const c of current) {
      if (want.has(c.domain)) continue;
      items.push({ Delete: { Key: keys.domainClaim(teamId, c.domain) } });
      if (ownedByUs.has(c.domain)) items.push(ownerDelete(teamId, c.domain));
      items.push(auditPut(ctx, { action: 'domain.removed', target: { type: 'domain', id: c.domain }, before: c }));
    }
    return items;
  }

  /** Which of `domains` this workspace currently owns (global owner items; one round trip per 100). */
  async ownedBy(teamId: string, domains: readonly string[]): Promise<Set<string>> {
    const owners = await this.db.batchGet(domains.map((d) => keys.emailDomain(d)));
    return new Set(domains.filter((_, i) => owners[i]?.teamId === teamId));
  }
}
