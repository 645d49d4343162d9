import * as z from 'zod';

/** Workspace ids are UUIDs (docs/reference/DESIGN.md); anything else names no workspace. */
export const TeamId = z.uuid();

/** A decoded-from-the-form SAMLResponse is base64 of at most `MAX_RESPONSE_XML_BYTES`. */
export const MAX_FORM_BYTES = 288 * 1024;

/** The ACS form of the HTTP-POST binding (SAML bindings §3.5.4). */
export const AcsForm = z.object({
  SAMLResponse: z.string().min(1),
  RelayState: z.string().optional(),
});

/** `GET /api/saml/{team_id}/login` query: where to land (checked by `resolveDestination`), and whether this is a test login. */
export const LoginQuery = z.object({
  return_to: z.string().optional(),
  RelayState: z.string().optional(),
  test: z
    .string()
    .optional()
    .transform((v) => v === '1' || v === 'true'),
});
