/**
 * Replays the recorded Okta and Entra request sequences of `test/fixtures/scim/` against the
 * running local stack, each in a fresh workspace, checking every answer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';
import { scimWorkspace, type ScimJson } from './helpers.js';

interface Step {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  expect: { status: number; body?: unknown; absent?: string[] };
  capture?: Record<string, string>;
}
interface Fixture {
  source: string;
  headers: Record<string, string>;
  steps: Step[];
}

const load = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/scim/${name}`, import.meta.url)), 'utf8')) as Fixture;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

/** Replaces `{{name}}` in every string of a value. */
function fill<T>(value: T, vars: Record<string, string>): T {
  return JSON.parse(JSON.stringify(value).replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? `{{${k}}}`)) as T;
}

describe.each(['okta-scim20-lifecycle.json', 'entra-scim-lifecycle.json'])('%s', (file) => {
  it('answers every recorded request as the IdP expects', async () => {
    const fixture = load(file);
    const ws = await scimWorkspace(stack, file);
    const vars: Record<string, string> = {};
    for (const raw of fixture.steps) {
      const step = fill(raw, vars);
      const headers = { ...fixture.headers };
      const url = `${ws.base}${step.path}`;
      const body = step.body === undefined ? undefined : JSON.stringify(step.body);
      const opts = { headers };
      const res =
        step.method === 'GET'
          ? await ws.scim.get(url, opts)
          : step.method === 'DELETE'
            ? await ws.scim.delete(url, opts)
            : await ws.scim[step.method.toLowerCase() as 'post' | 'put' | 'patch'](url, body, opts);
      expect(res.status, `${step.name}: ${res.text}`).toBe(step.expect.status);
      if (step.expect.body !== undefined) expect(res.json, step.name).toMatchObject(step.expect.body as ScimJson);
      for (const a of step.expect.absent ?? []) expect(res.json?.[a], `${step.name}: ${a}`).toBeUndefined();
      if (res.status < 300 && res.text) expect(res.headers.get('content-type'), step.name).toContain('application/scim+json');
      for (const [k, path] of Object.entries(step.capture ?? {})) vars[k] = String(res.json[path]);
    }
  });
});
