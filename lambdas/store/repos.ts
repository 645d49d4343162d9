import type { TokenHasher } from '../core/crypto.js';
import type { User } from '../core/model/user.js';
import type { Workspace } from '../core/model/workspace.js';
import { AuditRepo } from './audit.js';
import type { Db, Item } from './client.js';
import { DomainRepo } from './domains.js';
import { GroupRepo } from './groups.js';
import { keys, type Key } from './keys.js';
import { ListingRepo } from './listings.js';
import { JtiStore } from './logout-jtis.js';
import { OAuthGrantRepo } from './oauth-grants.js';
import { StateStore } from './oidc-states.js';
import { RefusalRepo } from './refusals.js';
import { SamlStore } from './saml-requests.js';
import { TokenRepo } from './tokens.js';
import { UserRepo } from './users.js';
import { WorkspaceRepo } from './workspaces.js';

/**
 * The repositories of one table, built once per cold start (platform/deps.ts): what a use case asks
 * for instead of `Db`. `reads` combines items of several repositories into one BatchGetItem, so a
 * caller that needs a token, its user and the workspace pays one round trip and never builds a key.
 */
export interface Repos {
  readonly workspaces: WorkspaceRepo;
  readonly users: UserRepo;
  readonly groups: GroupRepo;
  readonly audit: AuditRepo;
  readonly domains: DomainRepo;
  readonly refusals: RefusalRepo;
  /** Pages of the sharded user and group listings (SCIM `startIndex` paging by remembered cursor). */
  readonly listings: ListingRepo;
  /** The token repository (it needs the pepper-keyed hasher, read from the secret store and cached). */
  tokens(): Promise<TokenRepo>;
  /** SCIM OAuth grants: authorization codes, access/refresh token pairs, rotation (RFC 6749 §4.1, §6). */
  oauthGrants(): Promise<OAuthGrantRepo>;
  /** OIDC sign-in flows: state, nonce and PKCE verifier (derived with the pepper), single use. */
  oidcStates(): Promise<StateStore>;
  /** SAML's one-time items: pending AuthnRequest ids and the assertion replay cache. */
  readonly samlRequests: SamlStore;
  /** Universal Logout's replay guard: the `jti` of every accepted signed request. */
  readonly logoutJtis: JtiStore;
  readonly reads: CombinedReads;
  /**
   * Waits for the best-effort writes started during a request (`Db.background`, e.g. a token's
   * `lastUsedAt`): the Lambda wrapper calls it before the answer leaves, because Lambda freezes the
   * process after the response.
   */
  settle(): Promise<void>;
}

export function buildRepos(db: Db, opts: { region: string; now: () => Date; hasher: () => Promise<TokenHasher> }): Repos {
  return {
    workspaces: new WorkspaceRepo(db),
    users: new UserRepo(db),
    groups: new GroupRepo(db),
    audit: new AuditRepo(db),
    domains: new DomainRepo(db),
    refusals: new RefusalRepo(db, opts.now),
    listings: new ListingRepo(db),
    tokens: async () => new TokenRepo(db, await opts.hasher(), opts.region, opts.now),
    oauthGrants: async () => {
      const hasher = await opts.hasher();
      return new OAuthGrantRepo(db, new TokenRepo(db, hasher, opts.region, opts.now), hasher, opts.now);
    },
    oidcStates: async () => new StateStore(db, await opts.hasher(), opts.now),
    samlRequests: new SamlStore(db, opts.now),
    logoutJtis: new JtiStore(db),
    reads: new CombinedReads(db),
    settle: () => db.settle(),
  };
}

/** A user with what decides whether a credential acting for them still counts. */
export interface UserStanding {
  /** The user's revocation marker (`null` when none: `TokenRepo.check` wants it so). */
  readonly marker: Item | null;
  readonly user?: User;
  readonly workspace?: Workspace;
}

/**
 * Reads that span repositories, each one BatchGetItem (the round-trip counts of bench/ and
 * test/scim depend on it): either one `batchGet`, or `Db.load`s issued together, which the
 * batcher reads in one. Keys come from keys.ts and the repositories; callers get domain values.
 */
export class CombinedReads {
  constructor(private readonly db: Db) {}

  /** A user's revocation marker, the user (without groups) and its workspace, in one round trip. */
  async userStanding(teamId: string, userId: string): Promise<UserStanding> {
    const [marker, user, workspace] = await Promise.all([
      this.db.load(keys.userRevocation(teamId, userId)),
      this.db.load(keys.user(teamId, userId)),
      this.db.load(keys.workspace(teamId)),
    ]);
    return {
      marker: marker ?? null,
      ...(user ? { user: UserRepo.fromItem(user) } : {}),
      ...(workspace ? { workspace: WorkspaceRepo.fromItem(workspace) } : {}),
    };
  }

  /** A workspace and one of its users (without groups), in one round trip. */
  async workspaceAndUser(teamId: string, userId: string): Promise<{ workspace?: Workspace; user?: User }> {
    const [workspace, user] = await Promise.all([this.db.load(keys.workspace(teamId)), this.db.load(keys.user(teamId, userId))]);
    return { ...(workspace ? { workspace: WorkspaceRepo.fromItem(workspace) } : {}), ...(user ? { user: UserRepo.fromItem(user) } : {}) };
  }

  /**
   * A user's revocation marker and the user's item (without groups), in one BatchGetItem: the
   * second read of an admin session check (signin/admin-auth.ts), after the token's own item.
   */
  async userWithMarker(teamId: string, userId: string): Promise<{ marker?: Item; user?: Item }> {
    const [marker, user] = await this.db.batchGet([keys.userRevocation(teamId, userId), keys.user(teamId, userId)]);
    return { ...(marker ? { marker } : {}), ...(user ? { user } : {}) };
  }

  /**
   * The health probe (`GET /api/health`): one strongly consistent read of an item that never
   * exists; it resolves when the table answers and throws what the client threw when it does not.
   */
  async probe(): Promise<void> {
    await this.db.get(keys.health());
  }

  /**
   * A presented token's item, the workspace's item and the caller's prefetch keys (built by the
   * repositories, e.g. `UserRepo.key`) in one round trip: SCIM authenticates and reads what the
   * operation needs at once (lambdas/scim/auth.ts). Items stay raw: the token checks want them.
   */
  async tokenWorkspaceAnd(tokenKey: Key, teamId: string, extra: readonly Key[] = []): Promise<{ token?: Item; workspace?: Item; extra: (Item | undefined)[] }> {
    const [token, workspace, ...rest] = await this.db.batchGet([tokenKey, keys.workspace(teamId), ...extra]);
    return { ...(token ? { token } : {}), ...(workspace ? { workspace } : {}), extra: rest };
  }

  /**
   * The item of a key a repository built (a uniqueness guard such as `UserRepo.userNameKey`), when
   * the caller's batch did not prefetch it.
   */
  async item(key: Key): Promise<Item | undefined> {
    return this.db.get(key);
  }

  /** A workspace's raw item, or undefined (refusal paths record against it when it exists). */
  async workspaceItem(teamId: string): Promise<Item | undefined> {
    return this.db.get(keys.workspace(teamId));
  }
}
