/** Request-body validation derived from the attribute declarations (lambdas/core/scim/input.ts). */
import { describe, expect, it } from 'vitest';
import { inputSchema } from '../../lambdas/core/scim/input.js';
import { LIMITS } from '../../lambdas/core/scim/limits.js';
import { USER_SCHEMA, type AttrDef, type ResourceSchema } from '../../lambdas/core/scim/schema.js';
import { userDraftFrom } from '../../lambdas/core/scim/user-resource.js';

const badge: AttrDef = {
  name: 'badge',
  type: 'complex',
  multiValued: true,
  description: 'Test attribute.',
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  subAttributes: [
    { name: 'value', type: 'string', multiValued: false, description: 'v', required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' },
    { name: 'active', type: 'boolean', multiValued: false, description: 'a', required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' },
  ],
};

describe('inputSchema', () => {
  it('validates a newly declared attribute from its declaration alone', () => {
    const schema: ResourceSchema = { ...USER_SCHEMA, attributes: [...USER_SCHEMA.attributes, badge] };
    const body = inputSchema(schema);
    expect(body.safeParse({ userName: 'a@b.co', badge: [{ value: 'x', active: true, extra: 1 }] }).data).toEqual({ userName: 'a@b.co', badge: [{ value: 'x', active: true }] });
    expect(body.safeParse({ userName: 'a@b.co', badge: [{ active: true }] }).success).toBe(false);
    expect(body.safeParse({ userName: 'a@b.co', badge: [{ value: 'x', active: 'yes' }] }).success).toBe(false);
    expect(body.safeParse({ userName: 'a@b.co', badge: Array.from({ length: LIMITS.otherMultiValued + 1 }, () => ({ value: 'x' })) }).success).toBe(false);
  });

  it('keeps the declared bounds: userName required, e-mail count, read-only attributes ignored', () => {
    const body = inputSchema(USER_SCHEMA);
    expect(body.safeParse({}).success).toBe(false);
    expect(body.safeParse({ userName: 'a@b.co', emails: Array.from({ length: LIMITS.emailsPerUser + 1 }, (_, i) => ({ value: `${i}@b.co` })) }).error?.issues[0]?.message).toBe(
      `at most ${LIMITS.emailsPerUser} e-mail addresses`,
    );
    expect(body.safeParse({ userName: 'a@b.co', groups: 'anything', meta: 7, id: [] }).success).toBe(true);
  });

  it('stores every declared core attribute without a field of its own in User.attributes, in declaration order', () => {
    const draft = userDraftFrom({ userName: 'a@b.co', timezone: 'Europe/Berlin', nickName: 'A', phoneNumbers: [{ value: '1' }] });
    expect(Object.keys(draft.attributes ?? {})).toEqual(['nickName', 'timezone', 'phoneNumbers']);
  });
});
