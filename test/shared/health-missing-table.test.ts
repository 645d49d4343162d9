/**
 * `GET /api/health` reports any failure to read the table as 503 + Retry-After, not 500 (review #9):
 * here the handlers are configured with a table that does not exist on the (running) DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ env: { TABLE_NAME: 'idp-bridge-no-such-table' }, logLevel: 'ERROR' });
});
afterAll(() => stack?.close());

describe('GET /api/health', () => {
  it('answers 503 with Retry-After when the table cannot be read (review #9)', async () => {
    const res = await api(stack.url).get('/api/health');
    expect(res.status, res.text).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(res.json).toEqual({ error: { code: 'storage_unavailable', message: 'Storage is temporarily unavailable; retry later.' } });
  });
});
