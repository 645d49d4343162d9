/**
 * Every refusal is traced (review #6; docs/reference/DESIGN.md invariants): a WARN `refusal` log line and a
 * `Refusals` metric always, and a `<area>.refused` audit record in the targeted workspace when it is
 * known — aggregated per (workspace, cause, source IP, hour), so a flood writes one record.
 *
 * The handlers run in this process (the local API adapter), so their Powertools logger output — and
 * the EMF lines, which LOCAL_MODE sends through the logger at DEBUG — are read by capturing
 * `process.stdout.write` and `process.stderr.write`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { RefusalRepo } from '../../lambdas/store/refusals.js';
import { scimWorkspace, type ScimWorkspace } from '../scim/helpers.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

interface LogLine {
  level: string;
  message: string;
  [k: string]: unknown;
}
interface RefusalLine extends LogLine {
  group: string;
  route: string;
  status: number;
  code: string | null;
  cause: string;
  teamId?: string;
  sourceIp: string;
  userAgent: string;
  requestId: string;
  detail: Record<string, unknown>;
}
interface Exported {
  id: string;
  action: string;
  actor: { type: string; id: string; label?: string };
  source: { ip: string; userAgent: string };
  target: { type: string; id: string };
  before: unknown;
  after: Record<string, unknown> | null;
}
interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [k: string]: unknown;
}

let stack: TestStack;
let admin: ApiClient;
let anon: ApiClient;
let deps: Deps;
let refusals: RefusalRepo;
let acme: ScimWorkspace;
let other: ScimWorkspace;

/** Everything the process wrote to stdout and stderr since the last `beforeEach`. */
let out: string[] = [];

function lines(): LogLine[] {
  const parsed: LogLine[] = [];
  for (const l of out.join('').split('\n')) {
    if (!l.trim().startsWith('{')) continue;
    try {
      parsed.push(JSON.parse(l) as LogLine);
    } catch {
      // Not a JSON log line.
    }
  }
  return parsed;
}
const refusalLines = () => lines().filter((l): l is RefusalLine => l.message === 'refusal');
const emfLines = () => lines().flatMap((l) => (l.message === 'metrics' && l.emf ? [l.emf as Emf] : []));
const hourOf = (ms: number) => new Date(Math.floor(ms / 3_600_000) * 3_600_000).toISOString().slice(0, 13);

/** A well-formed SCIM token of this region that was never minted: the id is public, the rest is the secret. */
function forgedToken(): { token: string; id: string; secret: string } {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const id = Array.from(randomBytes(20), (b) => alphabet[b & 31]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { token: `idpb_us_scim_${id}_${secret}`, id, secret };
}

/** The secret part of one of our tokens: everything after `idpb_<region>_<kind>_<id>_` (it may contain `_`). */
const secretOf = (token: string) => token.split('_').slice(4).join('_');

async function auditExport(teamId: string): Promise<{ records: Exported[]; text: string }> {
  const res = await admin.get(`/api/admin/workspaces/${teamId}/audit-export`);
  expect(res.status).toBe(200);
  return {
    text: res.text,
    records: res.text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Exported),
  };
}

/** The bucket counts of one (workspace, cause, source) over the hours a test spanned (normally one). */
async function bucketCount(teamId: string, cause: string, ip: string, hours: ReadonlySet<string>): Promise<number> {
  let n = 0;
  for (const hour of hours) n += (await refusals.get({ teamId, cause, sourceIp: ip, hour }))?.count ?? 0;
  return n;
}

beforeAll(async () => {
  stack = await startTestStack({ logLevel: 'DEBUG' });
  admin = api(stack.url, stack.adminKey);
  anon = api(stack.url);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  const { RefusalRepo } = await import('../../lambdas/store/refusals.js');
  refusals = new RefusalRepo(deps.db);
  [acme, other] = await Promise.all([scimWorkspace(stack, 'Refusals Acme'), scimWorkspace(stack, 'Refusals Other')]);
  // Captured, not echoed: the run's output stays readable and the assertions read every line.
  // Powertools writes DEBUG/INFO (and EMF) to stdout, WARN/ERROR to stderr.
  const capture = (chunk: string | Uint8Array): boolean => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
beforeEach(() => {
  out = [];
});
afterAll(async () => {
  vi.restoreAllMocks();
  await stack?.close();
});

describe('refusal tracing: SCIM (review #6)', () => {
  it('answers 50 forged SCIM tokens with 401, writes one scim.refused record and counts 50 in its bucket', async () => {
    const forged = Array.from({ length: 50 }, forgedToken);
    const hours = new Set([hourOf(Date.now())]);
    const answers = await Promise.all(forged.map((f) => anon.get(`${acme.base}/Users`, { token: f.token })));
    hours.add(hourOf(Date.now()));

    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(401));
    expect(answers.every((a) => (a.json as { schemas?: string[] }).schemas?.[0] === 'urn:ietf:params:scim:api:messages:2.0:Error')).toBe(true);

    const { records, text } = await auditExport(acme.teamId);
    const refused = records.filter((r) => r.action === 'scim.refused');
    // One record per aggregation window: a run that crosses an hour boundary has two windows.
    expect(refused).toHaveLength(hours.size);
    const rec = refused[0]!;
    expect(rec.after).toMatchObject({ cause: 'scim.token_unknown', status: 401 });
    expect(forged.map((f) => f.id)).toContain(rec.after!.tokenId);
    expect(rec.source.ip).toBe('127.0.0.1');
    expect(rec.actor).toEqual({ type: 'anonymous', id: '127.0.0.1' });
    expect(rec.before).toBeNull();
    expect(rec.target.type).toBe('refusal_bucket');
    expect(await bucketCount(acme.teamId, 'scim.token_unknown', '127.0.0.1', hours)).toBe(50);

    const logged = refusalLines().filter((l) => l.cause === 'scim.token_unknown');
    expect(logged).toHaveLength(50);
    for (const l of logged) {
      expect(l).toMatchObject({ level: 'WARN', group: 'scim', status: 401, teamId: acme.teamId, sourceIp: '127.0.0.1' });
      expect(l.route).toBe('ANY /api/scim/v2/{team_id}/{proxy+}');
      expect(l.requestId).toMatch(/\S/);
      expect(l.userAgent).toMatch(/\S/);
    }
    expect(new Set(logged.map((l) => l.requestId)).size).toBe(50);

    // No secret part of any forged token in any log line or audit record.
    const captured = out.join('');
    for (const f of forged) {
      expect(captured).not.toContain(f.secret);
      expect(text).not.toContain(f.secret);
    }
  });

  it('emits one Refusals metric per refusal with the group and cause as dimensions', async () => {
    const n = 5;
    const answers = await Promise.all(Array.from({ length: n }, () => anon.get(`${acme.base}/Groups`, { token: forgedToken().token })));
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(401));
    const metrics = emfLines().filter((e) => e.cause === 'scim.token_unknown');
    expect(metrics).toHaveLength(n);
    for (const e of metrics) {
      expect(e.Refusals).toBe(1);
      expect(e.group).toBe('scim');
      expect(e.service).toBe('idp-bridge');
      const def = e._aws.CloudWatchMetrics[0]!;
      expect(def.Namespace).toBe('idp-bridge');
      expect(def.Metrics).toEqual([expect.objectContaining({ Name: 'Refusals', Unit: 'Count' })]);
      expect(def.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'group', 'cause']));
    }
  });

  it('records a missing or malformed token in the targeted workspace too, without any of the malformed value', async () => {
    const pasted = `not-a-token-${randomBytes(16).toString('hex')}`;
    const hours = new Set([hourOf(Date.now())]);
    const [missing, malformed] = await Promise.all([anon.get(`${acme.base}/Users`), anon.get(`${acme.base}/Users`, { token: pasted })]);
    hours.add(hourOf(Date.now()));
    expect([missing.status, malformed.status]).toEqual([401, 401]);
    const { records, text } = await auditExport(acme.teamId);
    const causes = records.filter((r) => r.action === 'scim.refused').map((r) => r.after!.cause);
    expect(causes).toEqual(expect.arrayContaining(['scim.token_missing', 'scim.token_malformed']));
    expect(text).not.toContain(pasted);
    expect(out.join('')).not.toContain(pasted);
    expect(await bucketCount(acme.teamId, 'scim.token_malformed', '127.0.0.1', hours)).toBe(1);
  });

  it('records a genuine token of another workspace in the targeted one by its public id only', async () => {
    const res = await anon.get(`${acme.base}/Users`, { token: other.token });
    expect(res.status).toBe(401);
    const { records, text } = await auditExport(acme.teamId);
    const rec = records.find((r) => r.action === 'scim.refused' && r.after?.cause === 'scim.token_other_workspace');
    expect(rec?.after?.tokenId).toBe(other.tokenId);
    const secret = secretOf(other.token);
    expect(text).not.toContain(secret);
    expect(out.join('')).not.toContain(secret);
    // Nothing is written into the token owner's trail by a request aimed at another workspace.
    expect((await auditExport(other.teamId)).records.some((r) => r.action === 'scim.refused')).toBe(false);
  });

  it('records a token of another region by its public id and region only', async () => {
    const f = forgedToken();
    const euToken = `idpb_eu_scim_${f.id}_${f.secret}`;
    const res = await anon.get(`${acme.base}/Users`, { token: euToken });
    expect(res.status).toBe(401);
    expect((res.json as { detail?: string }).detail).toContain('EU region');
    const { records, text } = await auditExport(acme.teamId);
    const rec = records.find((r) => r.action === 'scim.refused' && r.after?.cause === 'scim.token_wrong_region');
    expect(rec?.after).toMatchObject({ tokenId: f.id, tokenRegion: 'eu', status: 401 });
    expect(text).not.toContain(f.secret);
    expect(out.join('')).not.toContain(f.secret);
  });

  it('logs a refusal aimed at a workspace that does not exist, without writing an audit record anywhere', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    const res = await anon.get(`/api/scim/v2/${ghost}/Users`, { token: forgedToken().token });
    expect(res.status).toBe(401);
    expect(refusalLines()).toEqual([expect.objectContaining({ cause: 'scim.token_unknown', status: 401 })]);
    // The logger leaves out empty values: no workspace, no `teamId`.
    expect(refusalLines()[0]!.teamId).toBeUndefined();
    expect(await refusals.get({ teamId: ghost, cause: 'scim.token_unknown', sourceIp: '127.0.0.1', hour: hourOf(Date.now()) })).toBeUndefined();
  });

  it('still answers 401 when recording the refusal fails in storage, and logs the failure', async () => {
    const { keys } = await import('../../lambdas/store/keys.js');
    const cause = 'scim.token_expired';
    // A bucket whose count is not a number: DynamoDB itself refuses the `ADD` (a real storage error).
    const now = Date.now();
    for (const hour of new Set([hourOf(now), hourOf(now + 60_000)])) {
      await deps.db.put({ ...keys.refusalBucket(acme.teamId, hour, cause, '127.0.0.1'), type: 'refusal_bucket', count: 'corrupt', ttl: Math.floor(now / 1000) + 7200 });
    }
    const { TokenRepo } = await import('../../lambdas/store/tokens.js');
    const tokens = new TokenRepo(deps.db, await deps.hasher(), 'us');
    const ctx = { teamId: acme.teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' };
    const { token } = await tokens.mint(ctx, { kind: 'scim', teamId: acme.teamId, expiresAt: new Date(Date.now() + 1_000) });
    await new Promise((r) => setTimeout(r, 1_100));
    out = [];

    const res = await anon.get(`${acme.base}/Users`, { token });
    expect(res.status).toBe(401);
    expect((res.json as { detail?: string }).detail).toContain('expired');
    expect(refusalLines()).toEqual([expect.objectContaining({ cause, teamId: acme.teamId })]);
    expect(lines().some((l) => l.level === 'ERROR' && l.message === 'could not record a refusal')).toBe(true);
    expect(out.join('')).not.toContain(secretOf(token));
  });
});

describe('refusal tracing: admin and host-app keys (review #6)', () => {
  it('answers 20 wrong admin keys with 401 and logs each one, never the key', async () => {
    const guesses = Array.from({ length: 20 }, (_, i) => `wrong-key-${i}-${randomBytes(8).toString('hex')}`);
    const answers = await Promise.all(guesses.map((g) => anon.get(`/api/admin/workspaces/${acme.teamId}`, { token: g })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(401));

    const logged = refusalLines().filter((l) => l.group === 'admin');
    expect(logged).toHaveLength(20);
    for (const l of logged) {
      expect(l).toMatchObject({ level: 'WARN', status: 401, sourceIp: '127.0.0.1' });
      expect(l.cause.startsWith('admin.')).toBe(true);
    }
    expect(emfLines().filter((e) => e.group === 'admin' && e.Refusals === 1)).toHaveLength(20);
    const captured = out.join('');
    for (const g of guesses) expect(captured).not.toContain(g);
    expect((await auditExport(acme.teamId)).text).not.toContain('wrong-key-');
  });

  it('traces a wrong platform key on the host-app token API as token.platform_key_wrong', async () => {
    const guess = `guess-${randomBytes(8).toString('hex')}`;
    const [exchange, introspect] = await Promise.all([
      anon.post('/api/sso/token', new URLSearchParams({ code: 'x'.repeat(43) }), { token: guess }),
      anon.post('/api/tokens/introspect', new URLSearchParams({ token: acme.token }), { token: guess }),
    ]);
    expect([exchange.status, introspect.status]).toEqual([401, 401]);
    expect((exchange.json as { error?: string }).error).toBe('unauthorized');
    const logged = refusalLines();
    expect(logged.map((l) => l.cause).sort()).toEqual(['token.platform_key_wrong', 'token.platform_key_wrong']);
    expect(logged.every((l) => l.group === 'tokens' && l.teamId === undefined)).toBe(true);
    // The introspected token was in the refused request's body: it must not reach the trace.
    expect(out.join('')).not.toContain(guess);
    expect(out.join('')).not.toContain(acme.token);
  });

  it('records a wrong platform key on a workspace’s token-minting route in that workspace as token.refused', async () => {
    const res = await anon.post(`/api/workspaces/${acme.teamId}/users/u-1/tokens`, { kind: 'api' }, { token: 'not-the-key' });
    expect(res.status).toBe(401);
    const rec = (await auditExport(acme.teamId)).records.find((r) => r.action === 'token.refused');
    expect(rec?.after).toMatchObject({ cause: 'token.platform_key_wrong', status: 401, presentedKind: 'opaque' });
    expect(JSON.stringify(rec)).not.toContain('not-the-key');
  });
});

describe('refusal tracing: SCIM OAuth records once (review #6)', () => {
  const CALLBACK = 'https://system-admin.okta.com/admin/app/cpc/acme_scim/oauth/callback';
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

  /** The hidden fields of the authorization page a platform operator fills in. */
  async function authorizeFields(): Promise<Record<string, string>> {
    const q = new URLSearchParams({ response_type: 'code', client_id: stack.secrets.scimOAuthClient.clientId, redirect_uri: CALLBACK, scope: 'scim.read', state: 's1' });
    const page = await anon.get(`/api/okta/scim/oauth/authorize?${q.toString()}`);
    expect(page.status).toBe(200);
    const fields: Record<string, string> = {};
    for (const m of page.text.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescape(m[1]!)] = unescape(m[2]!);
    return fields;
  }

  it('records repeated wrong client secrets for one code as one scim_oauth.refused record, and a grant refusal as another', async () => {
    const approved = await anon.post('/api/okta/scim/oauth/authorize', new URLSearchParams({ ...(await authorizeFields()), team_id: other.teamId, admin_key: stack.adminKey, decision: 'approve' }));
    expect(approved.status).toBe(302);
    const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
    const before = (await auditExport(other.teamId)).records.filter((r) => r.action === 'scim_oauth.refused').length;
    const basic = (secret: string) => `Basic ${Buffer.from(`${stack.secrets.scimOAuthClient.clientId}:${secret}`).toString('base64')}`;
    const hours = new Set([hourOf(Date.now())]);
    const wrong = [];
    for (let i = 0; i < 3; i++) {
      wrong.push(await anon.post('/api/okta/scim/oauth/token', new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }), { headers: { authorization: basic(`wrong-secret-${i}`) } }));
    }
    const mismatch = await anon.post('/api/okta/scim/oauth/token', new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${CALLBACK}x` }), {
      headers: { authorization: basic(stack.secrets.scimOAuthClient.clientSecret) },
    });
    hours.add(hourOf(Date.now()));
    expect(wrong.map((r) => [r.status, (r.json as { error?: string }).error])).toEqual(Array(3).fill([401, 'invalid_client']));
    expect([mismatch.status, (mismatch.json as { error?: string }).error]).toEqual([400, 'invalid_grant']);

    const { records, text } = await auditExport(other.teamId);
    const refused = records.filter((r) => r.action === 'scim_oauth.refused');
    // One record per (cause, window): the wrong secrets share one, the redirect mismatch has its own.
    expect(refused.length - before).toBe(2 * hours.size);
    const byCause = new Map(refused.map((r) => [r.after!.cause, r]));
    expect(byCause.get('scim_oauth.client_auth_failed')?.after).toMatchObject({ error: 'invalid_client', grantType: 'authorization_code', status: 401 });
    expect(byCause.get('scim_oauth.client_auth_failed')?.actor).toMatchObject({ type: 'okta:scim-oauth', id: stack.secrets.scimOAuthClient.clientId });
    expect(byCause.get('scim_oauth.redirect_uri_mismatch')?.after).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(await bucketCount(other.teamId, 'scim_oauth.client_auth_failed', '127.0.0.1', hours)).toBe(3);
    expect(refusalLines().map((l) => l.cause)).toEqual([...Array(3).fill('scim_oauth.client_auth_failed'), 'scim_oauth.redirect_uri_mismatch']);
    expect(text).not.toContain(code);
    expect(text).not.toContain('wrong-secret-');
    expect(out.join('')).not.toContain(code);
    expect(out.join('')).not.toContain(stack.secrets.scimOAuthClient.clientSecret);
  });

  it('records a SCIM write with a read-only OAuth access token as scim.scope_missing, with the token as actor', async () => {
    const approved = await anon.post('/api/okta/scim/oauth/authorize', new URLSearchParams({ ...(await authorizeFields()), team_id: other.teamId, admin_key: stack.adminKey, decision: 'approve' }));
    const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
    const basic = `Basic ${Buffer.from(`${stack.secrets.scimOAuthClient.clientId}:${stack.secrets.scimOAuthClient.clientSecret}`).toString('base64')}`;
    const issued = await anon.post<{ access_token: string; scope: string }>(
      '/api/okta/scim/oauth/token',
      new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }),
      { headers: { authorization: basic } },
    );
    expect(issued.json.scope).toBe('scim.read');
    const access = issued.json.access_token;
    out = [];
    const write = await anon.post(`${other.base}/Groups`, JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'nope' }), {
      token: access,
      headers: { 'content-type': 'application/scim+json' },
    });
    expect(write.status).toBe(403);
    const { records, text } = await auditExport(other.teamId);
    const rec = records.find((r) => r.action === 'scim.refused' && r.after?.cause === 'scim.scope_missing');
    expect(rec?.after).toMatchObject({ scope: 'scim.write', status: 403 });
    expect(rec?.actor).toMatchObject({ type: 'okta:scim', id: access.split('_')[3] });
    expect(refusalLines()).toEqual([expect.objectContaining({ cause: 'scim.scope_missing', status: 403, teamId: other.teamId })]);
    expect(text).not.toContain(secretOf(access));
    expect(out.join('')).not.toContain(secretOf(access));
  });

  it('records repeated wrong platform keys on the consent form as one scim_oauth.refused record, counted', async () => {
    const fields = await authorizeFields();

    const before = (await auditExport(other.teamId)).records.filter((r) => r.action === 'scim_oauth.refused').length;
    const hours = new Set([hourOf(Date.now())]);
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await anon.post('/api/okta/scim/oauth/authorize', new URLSearchParams({ ...fields, team_id: other.teamId, admin_key: `guess-${i}`, decision: 'approve' })));
    }
    hours.add(hourOf(Date.now()));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);

    const { records, text } = await auditExport(other.teamId);
    const refused = records.filter((r) => r.action === 'scim_oauth.refused');
    expect(refused.length - before).toBe(hours.size);
    expect(refused.at(-1)?.after).toMatchObject({ cause: 'scim_oauth.admin_key_wrong', error: 'access_denied', status: 401 });
    expect(await bucketCount(other.teamId, 'scim_oauth.admin_key_wrong', '127.0.0.1', hours)).toBe(3);
    expect(refusalLines().filter((l) => l.cause === 'scim_oauth.admin_key_wrong')).toHaveLength(3);
    expect(text).not.toContain('guess-');
  });
});
