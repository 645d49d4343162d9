/** A SCIM group (Okta Push Groups, Entra groups). Members are edges, never a list on this item. */
export interface Group {
  id: string;
  teamId: string;
  /** Unique per workspace, case-insensitively; group → role mappings match on it (seed 001). */
  displayName: string;
  externalId?: string;
  /** Extension objects by URN, kept as sent. */
  extensions: Record<string, Record<string, unknown>>;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface GroupDraft {
  displayName: string;
  externalId?: string;
  extensions?: Record<string, Record<string, unknown>>;
}
