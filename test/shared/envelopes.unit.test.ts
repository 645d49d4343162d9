/** The error-renderer registry (lambdas/platform/envelopes.ts): one renderer per envelope. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { AppError, BadRequest, MethodNotAllowed } from '../../lambdas/core/errors.js';
import { InvalidFilter } from '../../lambdas/core/scim/errors.js';
import { errorView, isEnvelope, registerEnvelope, renderEnvelope, toAppError } from '../../lambdas/platform/envelopes.js';
import { renderError } from '../../lambdas/platform/respond.js';

const logger = () => ({ warn: vi.fn(), error: vi.fn(), info: vi.fn(), debug: vi.fn() }) as unknown as Logger;

describe('error envelopes', () => {
  it('renders the admin, SCIM (RFC 7644 §3.12) and OAuth (RFC 6749 §5.2) envelopes', () => {
    const api = renderError(new MethodNotAllowed(['GET']), 'api', logger());
    expect(api).toEqual({
      status: 405,
      headers: { 'content-type': 'application/json', allow: 'GET', 'cache-control': 'no-store' },
      body: '{"error":{"code":"method_not_allowed","message":"Method not allowed on this path."}}',
    });
    const scim = renderError(new InvalidFilter('bad'), 'scim', logger());
    expect(scim.headers?.['content-type']).toBe('application/scim+json');
    expect(JSON.parse(scim.body!)).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidFilter', detail: 'bad' });
    const oauth = renderError(new AppError(400, 'invalid_grant', 'no'), 'oauth', logger());
    expect(JSON.parse(oauth.body!)).toEqual({ error: 'invalid_grant', error_description: 'no' });
    expect(JSON.parse(renderError(new Error('boom'), 'oauth', logger()).body!)).toEqual({ error: 'server_error', error_description: 'An internal error occurred.' });
  });

  it('answers a malformed percent-escape (BadRequest invalid_path) as a 400 in every envelope', () => {
    for (const envelope of ['api', 'scim', 'oauth']) {
      const res = renderError(new BadRequest('The path contains a malformed percent-escape.', { code: 'invalid_path' }), envelope, logger());
      expect(res.status, envelope).toBe(400);
    }
  });

  it('lets a group register its envelope, with a fallback for what it does not render', () => {
    registerEnvelope('test.teapot', ({ error, message }) => (error.status === 418 ? { status: 418, body: message } : undefined), { fallback: 'api' });
    expect(isEnvelope('test.teapot')).toBe(true);
    expect(renderEnvelope('test.teapot', errorView(new AppError(418, 'teapot', 'short and stout')))).toEqual({ status: 418, body: 'short and stout' });
    const fell = renderEnvelope('test.teapot', errorView(toAppError(new Error('secret detail'))));
    expect(fell.status).toBe(500);
    expect(fell.body).toBe('{"error":{"code":"internal_error","message":"An internal error occurred."}}');
  });

  it('refuses a second renderer under a taken name, and an unknown envelope', () => {
    expect(() => registerEnvelope('scim', () => undefined)).toThrow(/already registered/);
    expect(() => renderEnvelope('nope', errorView(new BadRequest('x')))).toThrow(/No error envelope/);
  });
});
