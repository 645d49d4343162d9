import { ConditionFailed, type Db, type TransactItem } from './client.js';
import { keys } from './keys.js';
import { WorkspaceRepo } from './workspaces.js';
import type { Workspace } from '../core/model/workspace.js';

/** Where a pending sign-in lands: a checked bridge path or a path of the host app (lambdas/saml/relay-state.ts). */
export type Destination = { readonly kind: 'bridge'; readonly path: string } | { readonly kind: 'app'; readonly path: string };

/** The assertion id was already spent (the SAML group answers `replayed_assertion`). */
export class AssertionAlreadyUsed extends Error {
  constructor(readonly assertionId: string) {
    super(`Assertion ${assertionId} was already used.`);
    this.name = 'AssertionAlreadyUsed';
  }
}

/** The request the response answers is not pending: never made, expired or already answered (`unknown_request`). */
export class RequestNotPending extends Error {
  constructor(readonly requestId: string) {
    super(`Sign-in request ${requestId} is not pending.`);
    this.name = 'RequestNotPending';
  }
}

/** How long an SP-initiated sign-in may take at the IdP (password, MFA) before its id expires. */
export const REQUEST_TTL_MS = 15 * 60_000;

/** A pending SP-initiated sign-in: the AuthnRequest id the Response must answer. */
export interface SamlRequestRecord {
  readonly requestId: string;
  readonly teamId: string;
  /** The connection that sent the AuthnRequest; absent on requests of the `saml` connection made before connections existed. */
  readonly connectionId?: string;
  /** Where to land after sign-in (already allowlisted). */
  readonly destination?: Destination;
  /** Started by "Test login": report the checks instead of signing in. */
  readonly test: boolean;
  readonly createdAt: string;
  readonly expiresAt: string;
}

const epochSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * SAML's one-time items: pending AuthnRequest ids (for InResponseTo) and used assertion ids (the
 * replay cache). Both live in DynamoDB with a TTL, so a replay is refused whichever Lambda
 * instance receives it; conditions also treat an expired-but-not-yet-deleted item as absent.
 */
export class SamlStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** Records an AuthnRequest id until `expiresAt`. */
  async saveRequest(record: SamlRequestRecord): Promise<void> {
    await this.db.put(
      {
        ...keys.samlRequest(record.teamId, record.requestId),
        type: 'saml_request',
        ...record,
        ttl: epochSeconds(new Date(record.expiresAt)),
      },
      { ConditionExpression: 'attribute_not_exists(pk)' },
    );
  }

  /**
   * The workspace and, when the response names one, the pending request it claims to answer — in
   * one round trip. The request is only read here; `consume` spends it.
   */
  async load(teamId: string, requestId: string | undefined): Promise<{ workspace?: Workspace; request?: SamlRequestRecord }> {
    const wanted = [WorkspaceRepo.key(teamId), ...(requestId ? [keys.samlRequest(teamId, requestId)] : [])];
    const [ws, req] = await this.db.batchGet(wanted);
    return {
      ...(ws ? { workspace: WorkspaceRepo.fromItem(ws) } : {}),
      ...(req ? { request: toRequest(req) } : {}),
    };
  }

  /**
   * Spends an assertion id (and the request it answers) in one transaction: the assertion id is
   * written only if unused, the request deleted only if still pending. Two concurrent posts of the
   * same response cannot both pass, on one instance or on many.
   */
  async consume(input: { teamId: string; assertionId: string; acceptableUntil: Date; requestId?: string }): Promise<void> {
    const nowSec = epochSeconds(this.now());
    // Kept a minute past the last instant the assertion could be accepted, then TTL-deleted.
    const ttl = Math.max(epochSeconds(input.acceptableUntil), nowSec) + 60;
    const items: TransactItem[] = [
      {
        Put: {
          Item: { ...keys.samlAssertion(input.teamId, input.assertionId), type: 'saml_assertion_used', usedAt: this.now().toISOString(), ttl },
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': nowSec },
        },
      },
    ];
    if (input.requestId) {
      items.push({
        Delete: {
          Key: keys.samlRequest(input.teamId, input.requestId),
          ConditionExpression: 'attribute_exists(pk) AND #ttl >= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': nowSec },
        },
      });
    }
    try {
      await this.db.transact(items);
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err;
      if (err.failedIndexes.includes(0)) throw new AssertionAlreadyUsed(input.assertionId);
      throw new RequestNotPending(input.requestId ?? '(none)');
    }
  }
}

function toRequest(item: Record<string, unknown>): SamlRequestRecord {
  return {
    requestId: String(item.requestId),
    teamId: String(item.teamId),
    ...(typeof item.connectionId === 'string' ? { connectionId: item.connectionId } : {}),
    ...(isDestination(item.destination) ? { destination: item.destination } : {}),
    test: item.test === true,
    createdAt: String(item.createdAt),
    expiresAt: String(item.expiresAt),
  };
}

function isDestination(v: unknown): v is Destination {
  if (!v || typeof v !== 'object') return false;
  const d = v as Record<string, unknown>;
  return (d.kind === 'bridge' || d.kind === 'app') && typeof d.path === 'string';
}
