import * as z from 'zod';
import { ConnectionItem, issuersOfConnection, OKTA_OIDC_CONNECTION_ID, OKTA_SAML_CONNECTION_ID, type Connection } from '../core/model/connection.js';
import type { Workspace, IssuerClaim } from '../core/model/workspace.js';
import { keys } from './keys.js';
import type { Db, Item, TransactItem } from './client.js';
import { auditPut } from './audit-items.js';
import type { AuditContext, AuditEntry } from '../core/audit.js';
import { NotFound } from '../core/errors.js';
import { DomainRepo } from './domains.js';

/** Most claims of one issuer read (several thousand workspaces on one Okta org would be a platform problem anyway). */
const MAX_ISSUER_CLAIMS = 2_000;

function issuerClaimFrom(item: Item): IssuerClaim {
  return {
    teamId: String(item.teamId),
    ...(typeof item.provenClientId === 'string' ? { provenClientId: item.provenClientId } : {}),
    ...(typeof item.provenAt === 'string' ? { provenAt: item.provenAt } : {}),
  };
}

function toItem(w: Workspace): Item {
  return { ...keys.workspace(w.id), ...keys.workspaceListing(w.createdAt, w.id), type: 'workspace', ...w };
}

function fromItem(item: Item): Workspace {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, type: _t, okta, saml, connections, ...rest } = item;
  return { ...(rest as unknown as Omit<Workspace, 'connections'>), connections: connectionsOf(connections, okta, saml, String(item.updatedAt ?? '')) };
}

/**
 * The stored connections, parsed (an item that does not parse is a storage fault, not a cast). Items
 * written before connections existed hold `okta` and `saml` attributes: they read as the `okta` and
 * `saml` connections, and the next save writes them as connections.
 */
function connectionsOf(stored: unknown, okta: unknown, saml: unknown, at: string): Connection[] {
  if (stored !== undefined) return z.array(ConnectionItem).parse(stored);
  const out: Connection[] = [];
  if (okta && typeof okta === 'object') {
    const o = okta as Record<string, unknown>;
    out.push(ConnectionItem.parse({ emailDomains: [], createdAt: o.updatedAt ?? at, ...o, id: OKTA_OIDC_CONNECTION_ID, name: 'Okta', preset: 'okta', protocol: 'oidc' }));
  }
  if (saml && typeof saml === 'object') {
    const o = saml as Record<string, unknown>;
    out.push(ConnectionItem.parse({ emailDomains: [], createdAt: o.updatedAt ?? at, ...o, id: OKTA_SAML_CONNECTION_ID, name: 'Okta SAML', preset: 'okta', protocol: 'saml' }));
  }
  return out;
}

/** Workspaces and their IdP configuration; every change is written with its audit record. */
export class WorkspaceRepo {
  constructor(private readonly db: Db) {}

  async get(teamId: string): Promise<Workspace | undefined> {
    const item = await this.db.get(keys.workspace(teamId));
    return item ? fromItem(item) : undefined;
  }

  /** The workspace, or a 404 naming it. */
  async require(teamId: string): Promise<Workspace> {
    const w = await this.get(teamId);
    if (!w) throw new NotFound(`Workspace ${teamId} does not exist in this region.`);
    return w;
  }

  /** Key to read a workspace inside a caller's `batchGet` (saves a round trip on hot paths). */
  static key(teamId: string) {
    return keys.workspace(teamId);
  }

  static fromItem(item: Item): Workspace {
    return fromItem(item);
  }

  async create(ctx: AuditContext, w: Workspace): Promise<void> {
    await this.db.transact([
      { Put: { Item: toItem(w), ConditionExpression: 'attribute_not_exists(pk)' } },
      auditPut(ctx, { action: 'workspace.created', target: { type: 'workspace', id: w.id }, after: w }),
    ]);
  }

  /**
   * Replaces the workspace with `next` if it still has `before`'s `updatedAt` (optimistic
   * concurrency), with extra transaction items (issuer lookups) and the audit record. The record
   * shows the whole workspace before and after, unless `subject` names what changed (a connection),
   * with the events that follow from it (the outbox).
   */
  async update(
    ctx: AuditContext,
    before: Workspace,
    next: Workspace,
    action: string,
    extra: TransactItem[] = [],
    subject?: Pick<AuditEntry, 'target' | 'before' | 'after' | 'events'>,
  ): Promise<void> {
    await this.db.transact([
      {
        Put: {
          Item: toItem(next),
          ConditionExpression: 'updatedAt = :u',
          ExpressionAttributeValues: { ':u': before.updatedAt },
        },
      },
      ...extra,
      auditPut(ctx, { action, ...(subject ?? { target: { type: 'workspace', id: next.id }, before, after: next }) }),
    ]);
  }

  /** Workspaces connected to an IdP issuer (Okta org URL or SAML entity id). */
  async findByIssuer(issuer: string): Promise<string[]> {
    return (await this.issuerClaims(issuer)).map((c) => c.teamId);
  }

  /**
   * The workspaces' claims of an IdP issuer (the issuer lookup items), with their proof. A claim is
   * what an admin typed; only a proven one routes iss-only sign-ins (review #20).
   */
  async issuerClaims(issuer: string): Promise<IssuerClaim[]> {
    // Every claim, not a first page: claims by other workspaces must not push the genuine owner
    // out of sight (bounded: a claim item is tiny, so one page holds thousands).
    const items = await this.db.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.issuerPartition(issuer) } }, MAX_ISSUER_CLAIMS);
    return items.map(issuerClaimFrom);
  }

  /**
   * A workspace with its claim of one issuer, in one round trip (the OIDC callback reads both: the
   * claim tells whether this sign-in must record its proof).
   */
  async getWithIssuerClaim(teamId: string, issuer: string): Promise<{ workspace?: Workspace; claim?: IssuerClaim }> {
    const [w, c] = await this.db.batchGet([keys.workspace(teamId), keys.issuer(issuer, teamId)]);
    return { ...(w ? { workspace: fromItem(w) } : {}), ...(c ? { claim: issuerClaimFrom(c) } : {}) };
  }

  /**
   * The transaction item that records a workspace's claim of an Okta issuer as proven for a client
   * id: an ID token from that issuer was verified for that client id and the sign-in succeeded. It
   * is committed in the sign-in's own transaction. The condition keeps it from resurrecting a claim
   * the admin removed meanwhile (an Update would otherwise create the item).
   */
  static issuerProofItem(issuer: string, teamId: string, clientId: string, at: Date): TransactItem {
    return {
      Update: {
        Key: keys.issuer(issuer, teamId),
        UpdateExpression: 'SET provenClientId = :c, provenAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND teamId = :t',
        ExpressionAttributeValues: { ':c': clientId, ':at': at.toISOString(), ':t': teamId },
      },
    };
  }

  /**
   * The workspace whose claim of an e-mail domain is verified (DNS TXT or platform approval), if
   * any: pending claims route nothing (review #4). `domain` must be normalised (`normalizeDomain`).
   */
  async findByEmailDomain(domain: string): Promise<string | undefined> {
    return new DomainRepo(this.db).verifiedOwner(domain);
  }

  /** Every issuer a workspace trusts: its connections' OIDC issuers, SAML entity ids and SAML apps' Okta org URLs. */
  static issuersOf(w: Workspace): string[] {
    return [...new Set(w.connections.flatMap(issuersOfConnection))];
  }

  /** Transaction items that move the issuer lookups of a workspace from `before` to `after`. */
  static issuerLinkItems(before: Workspace, after: Workspace): TransactItem[] {
    const was = WorkspaceRepo.issuersOf(before);
    const now = WorkspaceRepo.issuersOf(after);
    return [
      ...was.filter((i) => !now.includes(i)).map((i): TransactItem => ({ Delete: { Key: keys.issuer(i, after.id) } })),
      ...now
        .filter((i) => !was.includes(i))
        .map((i): TransactItem => ({ Put: { Item: { ...keys.issuer(i, after.id), type: 'issuer', issuer: i, teamId: after.id } } })),
    ];
  }

  /** Lists workspaces, newest last (bounded page). */
  async list(limit = 100): Promise<Workspace[]> {
    const out = await this.db.query({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': 'WORKSPACES' },
      Limit: limit,
    });
    return (out.Items ?? []).map(fromItem);
  }

  /**
   * Several workspaces by id in one BatchGetItem (Universal Logout's subject-to-workspace
   * resolution): the ones that exist, in no particular order.
   */
  async getMany(teamIds: readonly string[]): Promise<Workspace[]> {
    if (teamIds.length === 0) return [];
    const items = await this.db.batchGet(teamIds.map((id) => WorkspaceRepo.key(id)));
    return items.filter((i): i is Item => i !== undefined).map(fromItem);
  }

  /**
   * Every workspace of this region's stack, a page at a time, from the gsi1 listing every workspace
   * item carries (`keys.workspaceListing`): the periodic SAML metadata refresh walks them off the
   * request path, so no request ever waits on this query.
   */
  async *pages(pageSize = WORKSPACE_PAGE): AsyncGenerator<Workspace[]> {
    // The listing's partition: the same for every workspace, whatever the sort-key composites.
    const partition = keys.workspaceListing('', '').gsi1pk;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.query({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': partition },
        Limit: pageSize,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      yield (out.Items ?? []).map(fromItem);
      start = out.LastEvaluatedKey;
    } while (start);
  }
}

/** Workspaces per page of `WorkspaceRepo.pages` (each item holds its connections). */
const WORKSPACE_PAGE = 100;
