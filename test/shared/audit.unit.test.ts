import { describe, expect, it } from 'vitest';
import { buildAuditRecord, redact, type AuditContext } from '../../lambdas/core/audit.js';

const ctx: AuditContext = {
  teamId: 'team-1',
  region: 'us',
  actor: { type: 'okta:scim', id: 'tok1', label: 'okta-production' },
  source: { ip: '203.0.113.9', userAgent: 'Okta SCIM Client 1.0.0' },
  requestId: 'req-1',
};

describe('redact', () => {
  it('drops passwords, secrets, tokens and hashes at any depth', () => {
    // Prepare
    const value = {
      userName: 'a@x.com',
      password: 'hunter2',
      okta: { clientId: 'c', clientSecret: 's3cret', nested: [{ token: 't', hash: 'h', keep: 1 }] },
    };

    // Act
    const out = JSON.stringify(redact(value));

    // Assess
    expect(out).not.toMatch(/hunter2|s3cret|"t"|"h"/);
    expect(out).toContain('"clientId":"c"');
    expect(out).toContain('"keep":1');
  });

  it('drops one-time codes but keeps short error codes', () => {
    const code = 'Qm9ndXMtb25lLXRpbWUtY29kZS12YWx1ZS0xMjM0NTY';
    expect(redact({ code, error: 'x' })).toEqual({ error: 'x' });
    expect(redact({ code: 'invalid_signature' })).toEqual({ code: 'invalid_signature' });
  });

  it('drops storage key attributes', () => {
    expect(redact({ pk: 'WS#1', sk: 'X', gsi1pk: 'a', ttl: 1, name: 'n' })).toEqual({ name: 'n' });
  });
});

describe('buildAuditRecord', () => {
  it('has every field of the export contract', () => {
    const rec = buildAuditRecord(ctx, { action: 'user.created', target: { type: 'user', id: 'u1' }, after: { password: 'x', active: true } }, new Date('2026-01-02T03:04:05.006Z'));
    expect(rec).toMatchObject({
      time: '2026-01-02T03:04:05.006Z',
      workspace: 'team-1',
      region: 'us',
      actor: ctx.actor,
      source: ctx.source,
      action: 'user.created',
      target: { type: 'user', id: 'u1' },
      before: null,
      after: { active: true },
      requestId: 'req-1',
    });
    expect(rec.id).toMatch(/^[0-9a-z]{22}$/);
  });
});
