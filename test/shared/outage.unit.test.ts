/**
 * Every renderer keeps the status and `Retry-After` of a storage outage (review #9), and the
 * deliberate 501 is shown and logged below ERROR (review #15): the SCIM, OAuth and admin envelopes
 * of `renderError`, and the HTML page of the OIDC/SAML sign-in flows.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../lambdas/platform/config.js';
import { StorageUnavailable } from '../../lambdas/core/errors.js';
import type { HttpRequest } from '../../lambdas/platform/http.js';
import { renderError, type Envelope } from '../../lambdas/platform/respond.js';
import { NotSupported } from '../../lambdas/core/scim/errors.js';
import { refusalPage } from '../../lambdas/signin/page.js';
import { SignInRefused } from '../../lambdas/signin/refusals.js';
import { TEST_ENV } from '../fixtures/config.js';

const logger = () => ({ warn: vi.fn(), error: vi.fn(), info: vi.fn(), debug: vi.fn() });
const connRefused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });

describe('renderError during a storage outage (review #9)', () => {
  it('answers 503 with Retry-After in the SCIM, OAuth and admin envelopes, for typed and raw errors (review #9)', () => {
    for (const envelope of ['scim', 'oauth', 'api'] as Envelope[]) {
      for (const err of [new StorageUnavailable({ cause: connRefused() }), connRefused(), Object.assign(new Error('x'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } })]) {
        const log = logger();
        const res = renderError(err, envelope, log as unknown as Logger, 'req-1');
        expect(res.status, envelope).toBe(503);
        expect(res.headers?.['retry-after'], envelope).toMatch(/^[1-9]\d*$/);
        const body = JSON.parse(res.body!) as Record<string, unknown>;
        if (envelope === 'scim') expect(body).toMatchObject({ status: '503', detail: 'Storage is temporarily unavailable; retry later.' });
        if (envelope === 'oauth') expect(body).toEqual({ error: 'temporarily_unavailable', error_description: 'Storage is temporarily unavailable; retry later.' });
        if (envelope === 'api') expect(body).toEqual({ error: { code: 'storage_unavailable', message: 'Storage is temporarily unavailable; retry later.' } });
        expect(log.error).not.toHaveBeenCalled();
        expect(log.warn).toHaveBeenCalledOnce();
      }
    }
  });

  it('keeps a 500 for errors that are not outages, logged at ERROR with a generic message', () => {
    const log = logger();
    const res = renderError(new TypeError('x is undefined'), 'scim', log as unknown as Logger);
    expect(res.status).toBe(500);
    expect(res.body).not.toContain('x is undefined');
    expect(log.error).toHaveBeenCalledOnce();
  });
});

describe('501 (review #15)', () => {
  it('shows the message of a 501 and logs it at WARN, not ERROR (review #15)', () => {
    const log = logger();
    const res = renderError(new NotSupported(501, 'Bulk operations are not supported (see /ServiceProviderConfig).'), 'scim', log as unknown as Logger);
    expect(res.status).toBe(501);
    expect(JSON.parse(res.body!)).toMatchObject({ status: '501', detail: 'Bulk operations are not supported (see /ServiceProviderConfig).' });
    expect(log.error).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledOnce();
  });
});

describe('sign-in page during a storage outage (review #9)', () => {
  it('renders the OIDC/SAML refusal page with 503 and Retry-After (review #9)', () => {
    const config = loadConfig({ ...TEST_ENV });
    const req = { requestId: 'r1', query: {}, headers: {} } as unknown as HttpRequest;
    const res = refusalPage(config, new SignInRefused('storage_unavailable', new StorageUnavailable().message, { teamId: 't1' }), req);
    expect(res.status).toBe(503);
    expect(res.headers?.['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(res.headers?.['x-idpb-error']).toBe('storage_unavailable');
    expect(res.body).toContain('temporarily unavailable');
  });
});
