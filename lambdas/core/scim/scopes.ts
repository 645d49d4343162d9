/**
 * Scopes of SCIM OAuth tokens (seed 000: "scim.read, scim.write, entitlements.read"), granted by the
 * SCIM OAuth flow (lambdas/scim-oauth) and enforced by the SCIM routes (lambdas/scim/auth.ts) from
 * `StoredToken.scopes`. Static SCIM tokens carry every scope.
 */
export const SCIM_SCOPES = ['scim.read', 'scim.write', 'entitlements.read'] as const;
export type ScimScope = (typeof SCIM_SCOPES)[number];
