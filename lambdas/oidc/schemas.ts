import * as z from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * `GET /api/okta/oidc/login` and `GET /api/sso/oidc/login`: SP-initiated (`team_id`, a work e-mail
 * as `login_hint`/`email`, or an issuer as `iss`) and IdP-initiated (OIDC Core §4 third-party
 * initiated login: the IdP sends `iss`, and our initiate login URI carries `team_id`). `connection`
 * names one of the workspace's connections. Unknown parameters are ignored: IdPs may add some.
 */
export const LoginQuery = z.object({
  team_id: z.string().regex(UUID, 'must be a workspace UUID').optional(),
  /** A connection id (`core/model/connection.ts` `CONNECTION_ID`); an unknown one is refused later, by name. */
  connection: z.string().trim().min(1).max(100).optional(),
  iss: z.string().url().max(1024).optional(),
  login_hint: text(320).optional(),
  email: text(320).optional(),
  /** A bridge-internal destination (admin page, SCIM OAuth consent); allowlisted later. */
  return_to: z.string().max(2048).optional(),
});
export type LoginQuery = z.infer<typeof LoginQuery>;

/** `GET /api/okta/oidc/callback` and `GET /api/sso/oidc/callback`: an authorization response (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export const CallbackQuery = z.object({
  state: z.string().max(512).optional(),
  code: z.string().max(4096).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
  iss: z.string().max(1024).optional(),
});
export type CallbackQuery = z.infer<typeof CallbackQuery>;
