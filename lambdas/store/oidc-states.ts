import { randomBytes } from 'node:crypto';
import type { TokenHasher } from '../core/crypto.js';
import { ConditionFailed, type Db } from './client.js';
import { keys } from './keys.js';

/** How long a user has between starting sign-in and coming back from the IdP (seconds). */
export const STATE_TTL_SECONDS = 600;

/** What the login step remembers for the callback. */
export interface LoginState {
  readonly teamId: string;
  /** The connection the flow was started through; the callback loads it by id. */
  readonly connectionId: string;
  /** The issuer the flow was started against; the callback refuses if the connection changed it since. */
  readonly issuer: string;
  readonly clientId: string;
  /** The redirect URI sent to the authorize endpoint; the code exchange must send the same (RFC 6749 §4.1.3). */
  readonly redirectUri: string;
  readonly initiatedBy: 'sp' | 'idp';
  /** A checked bridge-internal destination. */
  readonly returnTo?: string;
  readonly createdAt: string;
}

/** The per-flow secrets, all derived from the state value (see `StateStore`). */
export interface FlowSecrets {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Name of the cookie that binds the flow to the browser that started it. */
  readonly bindingCookie: string;
}

const STATE_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * The callback's state is unknown, expired, malformed or already used: one answer for all of them
 * (the OIDC group maps it to the `invalid_state` sign-in refusal, lambdas/oidc/app.ts).
 */
export class UnknownOidcState extends Error {
  constructor() {
    super('The sign-in response carries an unknown, expired or already used state.');
    this.name = 'UnknownOidcState';
  }
}

/**
 * OIDC `state`, `nonce` and PKCE verifier storage (one item per flow, TTL, single use).
 *
 * Nothing secret is stored: the item is keyed by the state's keyed hash, and the nonce and PKCE
 * code verifier are derived from the state with the pepper (HMAC), so the callback recomputes them
 * from the state it receives. A copy of the table can neither redeem an authorization code (no
 * verifier) nor forge a callback.
 */
export class StateStore {
  constructor(
    private readonly db: Db,
    private readonly hasher: TokenHasher,
    private readonly now: () => Date,
  ) {}

  /** The secrets of a flow, from its state value. */
  secrets(state: string): FlowSecrets {
    return {
      state,
      // 43 base64url characters: a valid RFC 7636 §4.1 code verifier (256 bits).
      codeVerifier: this.hasher.hash(`oidc-pkce:${state}`),
      nonce: this.hasher.hash(`oidc-nonce:${state}`),
      bindingCookie: `idpb_oidc_${this.hasher.hash(`oidc-bind:${state}`).slice(0, 16)}`,
    };
  }

  /** Stores a new flow and returns its secrets. */
  async create(s: Omit<LoginState, 'createdAt'>): Promise<FlowSecrets> {
    const state = randomBytes(32).toString('base64url');
    const now = this.now();
    const exp = Math.floor(now.getTime() / 1000) + STATE_TTL_SECONDS;
    const record: LoginState = { ...s, createdAt: now.toISOString() };
    await this.db.put(
      { ...keys.oidcState(this.hasher.hash(`oidc-state:${state}`)), type: 'oidcState', ...record, ttl: exp },
      { ConditionExpression: 'attribute_not_exists(pk)' },
    );
    return this.secrets(state);
  }

  /**
   * Consumes a flow: deletes it and returns what it held. Unknown, expired, malformed and already
   * used states are one refusal: a state is single use (RFC 6749 §10.12, OIDC Core §3.1.2.7).
   */
  async consume(state: string | undefined): Promise<LoginState> {
    const refuse = () => new UnknownOidcState();
    if (!state || !STATE_FORMAT.test(state)) throw refuse();
    let old: Record<string, unknown> | undefined;
    try {
      old = await this.db.delete(keys.oidcState(this.hasher.hash(`oidc-state:${state}`)), {
        ConditionExpression: 'attribute_exists(pk)',
        ReturnValues: 'ALL_OLD',
      });
    } catch (err) {
      if (err instanceof ConditionFailed) throw refuse();
      throw err;
    }
    // DynamoDB deletes expired items lazily: an expired one may still be there.
    if (!old || typeof old.ttl !== 'number' || old.ttl * 1000 <= this.now().getTime()) throw refuse();
    return {
      teamId: String(old.teamId),
      // Flows started before connections existed went through the `okta` connection and its callback.
      connectionId: typeof old.connectionId === 'string' ? old.connectionId : 'okta',
      issuer: String(old.issuer),
      clientId: String(old.clientId),
      redirectUri: typeof old.redirectUri === 'string' ? old.redirectUri : '',
      initiatedBy: old.initiatedBy === 'idp' ? 'idp' : 'sp',
      ...(typeof old.returnTo === 'string' ? { returnTo: old.returnTo } : {}),
      createdAt: String(old.createdAt),
    };
  }
}
