/** zod schemas of what crosses the SCIM edge besides resources (those live in `shared/scim/*-resource.ts`). */
import * as z from 'zod';
import { InvalidSyntax } from '../core/scim/errors.js';
import type { Json } from '../core/scim/evaluate.js';
import type { PatchOperation } from '../core/scim/patch.js';
import { zodDetail } from '../core/scim/user-resource.js';

/** Most operations one PATCH may carry (Okta sends a handful; Entra at most a few hundred member values). */
const MAX_PATCH_OPERATIONS = 1000;

/**
 * A PatchOp message (RFC 7644 §3.5.2). `Operations` is matched case-insensitively because some
 * clients send `operations`; `schemas` is not required because Entra's early requests omit it.
 */
const PatchBody = z.object({
  schemas: z.array(z.string()).optional(),
  Operations: z
    .array(
      z
        .object({
          op: z.string().min(1).max(16),
          path: z.string().max(4096).optional().nullable(),
          value: z.unknown().optional(),
        })
        .strip(),
    )
    .min(1, 'at least one operation is required')
    .max(MAX_PATCH_OPERATIONS),
});

export function parsePatchBody(body: Json): PatchOperation[] {
  const opsKey = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const parsed = PatchBody.safeParse({ schemas: body.schemas, Operations: opsKey ? body[opsKey] : undefined });
  if (!parsed.success) throw new InvalidSyntax(`Invalid PatchOp: ${zodDetail(parsed.error)}.`);
  return parsed.data.Operations.map((o) => ({ op: o.op, ...(typeof o.path === 'string' ? { path: o.path } : {}), ...(o.value !== undefined ? { value: o.value } : {}) }));
}
