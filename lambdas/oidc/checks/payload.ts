/** ID token claims as received, once the signature verified: nothing about their types is trusted yet. */
export type IdTokenPayload = Readonly<Record<string, unknown>>;
