import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/platform/config.js';

const base = {
  TABLE_NAME: 't',
  REGION_ID: 'eu',
  API_URL: 'https://eu.api.example.com/',
  APP_URL: 'https://eu.app.example.com',
  ADMIN_KEY_SECRET_NAME: 'a',
  PEPPER_SECRET_NAME: 'p',
  WORKSPACE_SECRET_PREFIX: 'w',
  EVENT_BUS_NAME: 'b',
};

describe('loadConfig', () => {
  it('parses a complete environment and trims trailing slashes', () => {
    const c = loadConfig({ ...base, PEER_REGIONS: '{"us":"https://api.example.com"}' });
    expect(c.API_URL).toBe('https://eu.api.example.com');
    expect(c.PEER_REGIONS).toEqual({ us: 'https://api.example.com' });
    expect(c.LOCAL_MODE).toBe(false);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ ...base, TABLE_NAME: '', API_URL: 'nope' })).toThrow(/TABLE_NAME.*API_URL|API_URL.*TABLE_NAME/);
  });

  it('refuses a malformed PEER_REGIONS', () => {
    expect(() => loadConfig({ ...base, PEER_REGIONS: '[1]' })).toThrow(/PEER_REGIONS/);
  });
});
