import { createHash } from 'node:crypto';

/**
 * Every key of the single table is built here and nowhere else (ElectroDB's rule: keys come from
 * declared composites). Every workspace-owned item's partition key starts with `WS#<team_id>`, so no
 * query can reach across tenants; the only global items are lookups by unguessable ids or by
 * issuer (tokens, issuer → workspace, used `jti`s, one-time codes).
 *
 * Hot listings are write-sharded: a DynamoDB partition (base table or GSI) takes about 1,000
 * writes/s, and an Okta import writes faster than that.
 */

export interface Key {
  pk: string;
  sk: string;
}

/** Number of write shards of each workspace-wide listing (users, groups, audit). */
export const LIST_SHARDS = 4;
/** Number of counter shards per counted entity (transactions on one hot item would conflict). */
export const COUNTER_SHARDS = 16;

/** Stable shard of an id in `[0, n)`. */
export function shardOf(id: string, n: number): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) % n;
}

const ws = (teamId: string) => `WS#${teamId}`;
/** Lower-cases a value that SCIM treats as case-insensitive (RFC 7643 `caseExact: false`). */
const fold = (s: string) => s.toLowerCase();

export const keys = {
  /** The health probe's read (`GET /api/health`): an item that never exists; reading it proves the table answers. */
  health: (): Key => ({ pk: 'HEALTH', sk: 'HEALTH' }),

  // ---- workspaces -------------------------------------------------------------------------
  workspace: (teamId: string): Key => ({ pk: ws(teamId), sk: 'WORKSPACE' }),
  /** gsi1 listing of all workspaces of the stack. */
  workspaceListing: (createdAt: string, teamId: string) => ({ gsi1pk: 'WORKSPACES', gsi1sk: `${createdAt}#${teamId}` }),
  /** Global lookup: which workspaces trust an IdP issuer (Okta org URL, SAML entity id). */
  issuer: (issuer: string, teamId: string): Key => ({ pk: `ISSUER#${issuer}`, sk: ws(teamId) }),
  issuerPartition: (issuer: string) => `ISSUER#${issuer}`,
  /**
   * Global owner of an e-mail domain: written only when a workspace's claim is verified (DNS TXT or
   * platform approval), under a condition, so at most one workspace routes a domain's sign-ins.
   */
  emailDomain: (domain: string): Key => ({ pk: `DOMAIN#${fold(domain)}`, sk: 'DOMAIN' }),
  /** A workspace's claim of an e-mail domain (pending or verified) with its DNS challenge; one partition lists them. */
  domainClaim: (teamId: string, domain: string): Key => ({ pk: `${ws(teamId)}#DOMAINS`, sk: `DOMAIN#${fold(domain)}` }),
  domainClaimPartition: (teamId: string) => `${ws(teamId)}#DOMAINS`,

  // ---- bearer tokens of every kind (SCIM, API, MCP, session, OAuth) --------------------------
  /** Global lookup by token id; the id is embedded in the token string itself. */
  token: (tokenId: string): Key => ({ pk: `TOKEN#${tokenId}`, sk: 'TOKEN' }),
  /** gsi1: a workspace's tokens of one kind, newest last. */
  tokenListing: (teamId: string, kind: string, createdAt: string, tokenId: string) => ({
    gsi1pk: `${ws(teamId)}#TOKENS#${kind}`,
    gsi1sk: `${createdAt}#${tokenId}`,
  }),
  tokenListingPartition: (teamId: string, kind: string) => `${ws(teamId)}#TOKENS#${kind}`,
  /** gsi2: everything that grants a user access (sessions, API/MCP/OAuth tokens): revoke-all is one query. */
  userAccess: (teamId: string, userId: string, kind: string, tokenId: string) => ({
    gsi2pk: `${ws(teamId)}#USER#${userId}#ACCESS`,
    gsi2sk: `${kind}#${tokenId}`,
  }),
  userAccessPartition: (teamId: string, userId: string) => `${ws(teamId)}#USER#${userId}#ACCESS`,
  /**
   * Per-user revocation marker: for each token kind, the time before which every token of that
   * user is dead. Revoke-all writes this one item instead of deleting N tokens on the hot path.
   */
  userRevocation: (teamId: string, userId: string): Key => ({ pk: `${ws(teamId)}#USER#${userId}`, sk: 'REVOKED' }),
  /**
   * A deleted user's tombstone: written in the deletion's transaction while membership edges are
   * still to be removed, so a retried DELETE (or a later sweep) knows there is work left (review #2).
   */
  userTombstone: (teamId: string, userId: string): Key => ({ pk: `${ws(teamId)}#USER#${userId}`, sk: 'DELETED' }),

  // ---- audit --------------------------------------------------------------------------------
  audit: (teamId: string, auditId: string): Key => ({ pk: `${ws(teamId)}#AUDIT#${auditId}`, sk: 'AUDIT' }),
  /** gsi1: a workspace's audit trail in time order, sharded; the export merges the shards. */
  auditListing: (teamId: string, auditId: string) => ({
    gsi1pk: `${ws(teamId)}#AUDIT#${shardOf(auditId, LIST_SHARDS)}`,
    gsi1sk: auditId,
  }),
  auditListingPartition: (teamId: string, shard: number) => `${ws(teamId)}#AUDIT#${shard}`,
  /**
   * Aggregation bucket of refused requests (review #6): one item per (workspace, hour, cause, source
   * IP) counting them, so that a flood writes one audit record and then only increments (with TTL).
   * One partition per workspace and hour: a flood from many sources spreads over items, not tables.
   */
  refusalBucket: (teamId: string, hour: string, cause: string, sourceIp: string): Key => ({
    pk: `${ws(teamId)}#REFUSALS#${hour}`,
    sk: `${cause}#${sourceIp}`,
  }),
  refusalBucketPartition: (teamId: string, hour: string) => `${ws(teamId)}#REFUSALS#${hour}`,

  // ---- SCIM users and groups ------------------------------------------------------------------
  user: (teamId: string, userId: string): Key => ({ pk: `${ws(teamId)}#USER#${userId}`, sk: 'USER' }),
  userListing: (teamId: string, userId: string) => ({
    gsi1pk: `${ws(teamId)}#USERS#${shardOf(userId, LIST_SHARDS)}`,
    gsi1sk: userId,
  }),
  userListingPartition: (teamId: string, shard: number) => `${ws(teamId)}#USERS#${shard}`,
  /** Uniqueness guard and equality index of userName (case-insensitive); carries a copy of the user. */
  userName: (teamId: string, userName: string): Key => ({ pk: `${ws(teamId)}#USERNAME#${fold(userName)}`, sk: 'UNIQUE' }),
  /**
   * gsi2 attributes on the user item itself: the equality index of externalId. Not a uniqueness
   * item (RFC 7643 §3.1 does not make externalId unique), so a create writes one item fewer in
   * its transaction.
   */
  userExternalIdIndex: (teamId: string, externalId: string, userId: string) => ({ gsi2pk: `${ws(teamId)}#USEREXT#${externalId}`, gsi2sk: userId }),
  userExternalIdPartition: (teamId: string, externalId: string) => `${ws(teamId)}#USEREXT#${externalId}`,
  /** Equality index of e-mail addresses (not unique): one item per (email, user). */
  userEmail: (teamId: string, email: string, userId: string): Key => ({ pk: `${ws(teamId)}#USEREMAIL#${fold(email)}`, sk: userId }),
  userEmailPartition: (teamId: string, email: string) => `${ws(teamId)}#USEREMAIL#${fold(email)}`,
  /** IdP (issuer, subject) recorded at SSO sign-in, for Universal Logout's `iss_sub`. */
  userSubject: (teamId: string, issuer: string, subject: string): Key => ({ pk: `${ws(teamId)}#SUBJECT#${issuer}#${subject}`, sk: 'UNIQUE' }),

  group: (teamId: string, groupId: string): Key => ({ pk: `${ws(teamId)}#GROUP#${groupId}`, sk: 'GROUP' }),
  /** A deleted group's tombstone while its edges and its former members' roles are still to be cleaned up. */
  groupTombstone: (teamId: string, groupId: string): Key => ({ pk: `${ws(teamId)}#GROUP#${groupId}`, sk: 'DELETED' }),
  groupListing: (teamId: string, groupId: string) => ({
    gsi1pk: `${ws(teamId)}#GROUPS#${shardOf(groupId, LIST_SHARDS)}`,
    gsi1sk: groupId,
  }),
  groupListingPartition: (teamId: string, shard: number) => `${ws(teamId)}#GROUPS#${shard}`,
  groupName: (teamId: string, displayName: string): Key => ({ pk: `${ws(teamId)}#GROUPNAME#${fold(displayName)}`, sk: 'UNIQUE' }),
  groupExternalId: (teamId: string, externalId: string): Key => ({ pk: `${ws(teamId)}#GROUPEXT#${externalId}`, sk: 'UNIQUE' }),
  /**
   * One item per membership edge, spread over `LIST_SHARDS` partitions per group so that a
   * 100,000-member group takes writes as fast as a small one; gsi2 lists a user's groups.
   */
  membership: (teamId: string, groupId: string, userId: string) => ({
    pk: `${ws(teamId)}#GROUP#${groupId}#MEMBERS#${shardOf(userId, LIST_SHARDS)}`,
    sk: userId,
    gsi2pk: `${ws(teamId)}#USER#${userId}#GROUPS`,
    gsi2sk: groupId,
  }),
  membershipPartition: (teamId: string, groupId: string, shard: number) => `${ws(teamId)}#GROUP#${groupId}#MEMBERS#${shard}`,
  userGroupsPartition: (teamId: string, userId: string) => `${ws(teamId)}#USER#${userId}#GROUPS`,

  /** Sharded counters (users, groups, members of a group): `totalResults` without reading every item. */
  counter: (teamId: string, counted: string, shard: number): Key => ({ pk: `${ws(teamId)}#COUNT#${counted}`, sk: `S${shard}` }),
  counterPartition: (teamId: string, counted: string) => `${ws(teamId)}#COUNT#${counted}`,
  /** Where a served list page ended, so that page k costs what page 1 costs (Okta imports by startIndex). */
  pageCursor: (teamId: string, queryHash: string, startIndex: number): Key => ({
    pk: `${ws(teamId)}#PAGE#${queryHash}`,
    // Zero-padded so that string order is numeric order: a missing cursor falls back to the nearest earlier one.
    sk: `I${String(startIndex).padStart(10, '0')}`,
  }),
  pageCursorPartition: (teamId: string, queryHash: string) => `${ws(teamId)}#PAGE#${queryHash}`,

  // ---- one-time and replay-guard items (all with TTL) ------------------------------------------
  oidcState: (state: string): Key => ({ pk: `OIDCSTATE#${state}`, sk: 'STATE' }),
  samlRequest: (teamId: string, requestId: string): Key => ({ pk: `${ws(teamId)}#SAMLREQ#${requestId}`, sk: 'REQ' }),
  samlAssertion: (teamId: string, assertionId: string): Key => ({ pk: `${ws(teamId)}#SAMLASSERT#${assertionId}`, sk: 'USED' }),
  ssoCode: (codeHash: string): Key => ({ pk: `SSOCODE#${codeHash}`, sk: 'CODE' }),
  oauthCode: (codeHash: string): Key => ({ pk: `OAUTHCODE#${codeHash}`, sk: 'CODE' }),
  usedJti: (issuer: string, jti: string): Key => ({ pk: `JTI#${issuer}#${jti}`, sk: 'USED' }),

  // ---- SCIM OAuth 2.0 grants (universal-logout / scim-oauth engineer) ---------------------------
  /**
   * gsi2: the tokens of one SCIM OAuth grant (its access and refresh tokens carry no user, so gsi2
   * is free for them): revoking a grant after refresh-token reuse is one query (RFC 6819 §5.2.2.3,
   * oidc-provider's `revokeByGrantId`).
   */
  oauthGrantToken: (teamId: string, grantId: string, kind: string, tokenId: string) => ({
    gsi2pk: `${ws(teamId)}#OAUTHGRANT#${grantId}`,
    gsi2sk: `${kind}#${tokenId}`,
  }),
  oauthGrantTokenPartition: (teamId: string, grantId: string) => `${ws(teamId)}#OAUTHGRANT#${grantId}`,
  /** Global lookup by token id: a rotated refresh token's hash, so a replay of it is recognised (with TTL). */
  oauthRefreshRotated: (tokenId: string): Key => ({ pk: `OAUTHRT#${tokenId}`, sk: 'ROTATED' }),
} as const;
