/**
 * oidc-provider storage adapter for the stand-in: everything in memory, with expiry, plus a
 * mutable client registry so that `addClient()` works on a running org (oidc-provider's static
 * `clients` option is fixed at construction).
 */

/** Client metadata in oidc-provider's (RFC 7591) spelling. */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

interface Entry {
  payload: Record<string, unknown>;
  expiresAt?: number;
}

/** Builds an adapter class bound to one stand-in's stores. */
export function memoryAdapter(clients: Map<string, ClientMetadata>) {
  const stores = new Map<string, Map<string, Entry>>();
  const grants = new Map<string, Set<string>>();

  return class MemoryAdapter {
    private readonly store: Map<string, Entry>;
    constructor(private readonly name: string) {
      let s = stores.get(name);
      if (!s) stores.set(name, (s = new Map()));
      this.store = s;
    }

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      this.store.set(id, { payload, ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}) });
      const grantId = payload.grantId;
      if (typeof grantId === 'string') {
        let ids = grants.get(grantId);
        if (!ids) grants.set(grantId, (ids = new Set()));
        ids.add(`${this.name}\u0000${id}`);
      }
    }

    async find(id: string): Promise<Record<string, unknown> | undefined> {
      if (this.name === 'Client') return clients.get(id);
      const e = this.store.get(id);
      if (!e) return undefined;
      if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
        this.store.delete(id);
        return undefined;
      }
      return e.payload;
    }

    async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      for (const [id, e] of this.store) if (e.payload.uid === uid) return this.find(id);
      return undefined;
    }

    async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
      for (const [id, e] of this.store) if (e.payload.userCode === userCode) return this.find(id);
      return undefined;
    }

    async consume(id: string): Promise<void> {
      const e = this.store.get(id);
      if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      this.store.delete(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const ref of grants.get(grantId) ?? []) {
        const [name, id] = ref.split('\u0000') as [string, string];
        stores.get(name)?.delete(id);
      }
      grants.delete(grantId);
    }
  };
}
