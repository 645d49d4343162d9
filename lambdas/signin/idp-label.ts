import type { Connection, ProviderPreset } from '../core/model/connection.js';

const PRESET_LABELS: Record<ProviderPreset, string | undefined> = {
  okta: 'Okta',
  entra: 'Microsoft Entra ID',
  google: 'Google',
  onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud',
  generic: undefined,
};

/**
 * How refusal texts, the chooser and audit actors name a connection's IdP: the vendor for a
 * preset, the admin's name for the connection otherwise (`generic`).
 */
export function idpLabel(c: Pick<Connection, 'preset' | 'name'>): string {
  return PRESET_LABELS[c.preset] ?? c.name;
}
