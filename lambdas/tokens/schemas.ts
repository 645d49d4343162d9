import * as z from 'zod';

/** `POST /api/sso/token`: the one-time code the app callback received. */
export const SsoTokenBody = z.object({ code: z.string().min(1).max(256) });

/** RFC 7662 §2.1 / RFC 7009 §2.1: `token` plus an optional hint we do not need (ids name the kind). */
export const TokenBody = z.object({
  token: z.string().min(1).max(512),
  token_type_hint: z.string().max(64).optional(),
});

/** `POST /api/workspaces/{team_id}/users/{user_id}/tokens`. */
export const MintBody = z
  .object({
    kind: z.enum(['api', 'mcp']),
    label: z.string().trim().min(1).max(100).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
