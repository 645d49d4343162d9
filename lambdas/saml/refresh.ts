/**
 * The periodic refresh of SAML connections (the scheduled `refresh-handler.ts`, every
 * `REFRESH_INTERVAL_HOURS`; locally the loop of `dev/saml-refresh.ts`):
 *
 * - a connection made from a `metadataUrl` re-reads its IdP metadata (the fenced fetch of
 *   `platform/metadata-fetch.ts`, the parser of `core/connections/saml-metadata.ts`) and follows
 *   the IdP's certificate rotations and SSO URL changes. A failure keeps the last good values and
 *   records `metadataError`; metadata naming another entity id is a failure too (the refresh never
 *   re-points a connection's trust to another issuer: an admin re-saves the connection for that);
 * - every SAML connection warns of its signing certificate's expiry 90, 30 and 7 days ahead: the
 *   event `connection.certificate_expiring`, once per threshold per certificate
 *   (`SamlConnection.certificateWarningsSent` remembers what went out).
 *
 * Each change is written through `WorkspaceRepo.update` under the workspace's `updatedAt` lock with
 * its audit record, whose `events` carry the warnings (the outbox): a warning exists exactly when
 * its record committed. A lost race with an admin's edit skips the workspace until the next run.
 */
import { certificateFingerprint, certificateInfo, type CERTIFICATE_WARNING_DAYS, type CertificateInfo } from '../core/connections/certificates.js';
import { parseIdpMetadata, InvalidMetadata, type IdpMetadata } from '../core/connections/saml-metadata.js';
import type { AuditContext } from '../core/audit.js';
import type { LifecycleEvent } from '../core/events.js';
import { samlConnections, type SamlConnection } from '../core/model/connection.js';
import type { Workspace } from '../core/model/workspace.js';
import type { Deps } from '../platform/deps.js';
import { fetchMetadata, isAllowedIdpUrl, MetadataFetchFailed } from '../platform/metadata-fetch.js';
import { ConditionFailed, TransactionConflict } from '../store/client.js';
import { WorkspaceRepo } from '../store/workspaces.js';

/** How often the schedule runs (lib/idp-bridge-stack.ts): four times a day. */
export const REFRESH_INTERVAL_HOURS = 6;
/** An unchanged connection records a successful refresh at most this often (one audit record a day, not four). */
export const CONFIRM_EVERY_MS = 24 * 3_600_000;
/** The event of a certificate-expiry warning (README, Lifecycle events). */
export const CERTIFICATE_EXPIRING = 'connection.certificate_expiring';

/** 90, 30 or 7 days ahead (`CERTIFICATE_WARNING_DAYS`). */
type Threshold = (typeof CERTIFICATE_WARNING_DAYS)[number];

/** One certificate-expiry warning to send. */
export interface CertificateNotice {
  readonly threshold: Threshold;
  readonly fingerprint: string;
  readonly certificate: CertificateInfo;
}

/** What a refresh changes on one connection (pure: `planRefresh`). */
export interface RefreshPlan {
  readonly next: SamlConnection;
  /** The audit action, or undefined when nothing is to be written. */
  readonly action: 'connection.metadata_refreshed' | 'connection.metadata_refresh_failed' | 'connection.certificate_expiring' | undefined;
  /** Fields whose value changed. */
  readonly changed: readonly string[];
  readonly notices: readonly CertificateNotice[];
}

/** The metadata read for a connection, or why it could not be. */
export type Fetched = { readonly metadata: IdpMetadata } | { readonly error: string };

const fingerprintOf = certificateFingerprint;

function sameCertificates(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((pem, i) => fingerprintOf(pem) === fingerprintOf(b[i]!));
}

/**
 * The expiry warning due for a connection: about its latest-expiring certificate (while an IdP
 * rotates, the older one expiring is expected), at the smallest threshold reached, unless that
 * threshold (or a smaller one) was already announced for that certificate.
 */
export function dueNotice(c: Pick<SamlConnection, 'idpCertificates' | 'certificateWarningsSent'>, now: Date): CertificateNotice | undefined {
  const infos = c.idpCertificates.map((pem) => ({ pem, info: certificateInfo(pem, now) }));
  const latest = infos.reduce<(typeof infos)[number] | undefined>((a, b) => (!a || b.info.notAfter > a.info.notAfter ? b : a), undefined);
  const warning = latest?.info.warning;
  if (!latest || typeof warning !== 'number') return undefined;
  const fingerprint = fingerprintOf(latest.pem);
  const sent = c.certificateWarningsSent?.find((s) => s.fingerprint === fingerprint);
  if (sent && sent.threshold <= warning) return undefined;
  return { threshold: warning, fingerprint, certificate: latest.info };
}

/**
 * What one refresh does to one connection: new metadata values (or the failure, keeping the last
 * good values), the time of the last good refresh, and the expiry warning due. Pure.
 */
export function planRefresh(c: SamlConnection, fetched: Fetched | undefined, now: Date, opts: { local: boolean }): RefreshPlan {
  let next: SamlConnection = { ...c };
  const changed: string[] = [];
  let failed: string | undefined;

  if (fetched) {
    const md = 'metadata' in fetched ? fetched.metadata : undefined;
    failed = 'error' in fetched ? fetched.error : undefined;
    if (md && md.entityId !== c.idpEntityId) {
      failed = `the metadata now names entity id ${md.entityId.slice(0, 200)}, not ${c.idpEntityId.slice(0, 200)}; save the connection again to trust it`;
    }
    // The same rule as at save time (review #17: `javascript:` was once accepted).
    if (md && !failed && !isAllowedIdpUrl(md.ssoUrl, opts.local)) failed = 'the metadata names an SSO URL that is not https://';
    if (md && !failed && md.certificates.length === 0) failed = 'the metadata names no signing certificate';
    if (failed) {
      const error = failed.slice(0, 1000);
      if (c.metadataError !== error) {
        next = { ...next, metadataError: error };
        changed.push('metadataError');
      }
    } else if (md) {
      const certificates = md.certificates.slice(0, 4);
      if (md.ssoUrl !== c.idpSsoUrl) {
        next = { ...next, idpSsoUrl: md.ssoUrl };
        changed.push('idpSsoUrl');
      }
      if (!sameCertificates(certificates, c.idpCertificates)) {
        next = { ...next, idpCertificates: [...certificates] };
        changed.push('idpCertificates');
      }
      if (c.metadataError !== undefined) {
        const { metadataError: _cleared, ...rest } = next;
        next = rest;
        changed.push('metadataError');
      }
      const last = c.metadataRefreshedAt ? Date.parse(c.metadataRefreshedAt) : Number.NEGATIVE_INFINITY;
      if (changed.length > 0 || now.getTime() - last >= CONFIRM_EVERY_MS) next = { ...next, metadataRefreshedAt: now.toISOString() };
    }
  }

  // Remember only certificates the connection still holds (at most four: the schema's bound).
  const held = new Set(next.idpCertificates.map(fingerprintOf));
  const kept = (next.certificateWarningsSent ?? []).filter((s) => held.has(s.fingerprint));
  const notice = dueNotice({ idpCertificates: next.idpCertificates, certificateWarningsSent: kept }, now);
  const sent = notice ? [...kept.filter((s) => s.fingerprint !== notice.fingerprint), { fingerprint: notice.fingerprint, threshold: notice.threshold }] : kept;
  if (sent.length !== (c.certificateWarningsSent?.length ?? 0) || notice) {
    const { certificateWarningsSent: _old, ...rest } = next;
    next = sent.length > 0 ? { ...rest, certificateWarningsSent: sent } : rest;
  }

  const refreshed = next.metadataRefreshedAt !== c.metadataRefreshedAt;
  const pruned = !notice && sent.length !== (c.certificateWarningsSent?.length ?? 0);
  let action: RefreshPlan['action'];
  if (changed.includes('metadataError') && next.metadataError !== undefined) action = 'connection.metadata_refresh_failed';
  else if (changed.length > 0 || refreshed || pruned) action = 'connection.metadata_refreshed';
  else if (notice) action = 'connection.certificate_expiring';
  if (changed.length > 0) next = { ...next, updatedAt: now.toISOString() };
  return { next, action, changed, notices: notice ? [notice] : [] };
}

/** The event a notice sends (the audit record's outbox). */
export function certificateEvent(teamId: string, c: SamlConnection, n: CertificateNotice): LifecycleEvent {
  return {
    type: CERTIFICATE_EXPIRING,
    teamId,
    detail: {
      connectionId: c.id,
      connectionName: c.name,
      preset: c.preset,
      idpEntityId: c.idpEntityId,
      threshold: n.threshold,
      daysLeft: n.certificate.daysLeft,
      notAfter: n.certificate.notAfter,
      subject: n.certificate.subject,
      fingerprint: n.fingerprint,
      ...(c.metadataUrl ? { metadataUrl: c.metadataUrl } : {}),
    },
  };
}

/** What happened to one connection in a run. */
export interface RefreshOutcome {
  readonly teamId: string;
  readonly connectionId: string;
  readonly result: 'unchanged' | 'updated' | 'failed' | 'conflict';
  readonly changed: readonly string[];
  readonly warnings: readonly Threshold[];
  readonly error?: string;
}

async function readMetadata(deps: Deps, url: string): Promise<Fetched> {
  try {
    return { metadata: parseIdpMetadata(await fetchMetadata(url, { local: deps.config.LOCAL_MODE })) };
  } catch (err) {
    if (err instanceof MetadataFetchFailed) return { error: `the metadata could not be fetched: ${err.message}` };
    if (err instanceof InvalidMetadata) return { error: `not usable IdP metadata: ${err.message}` };
    throw err;
  }
}

/** The audit context of the scheduled run: the system, not a request. */
function systemContext(deps: Deps, teamId: string, runId: string): AuditContext {
  return {
    teamId,
    region: deps.config.REGION_ID,
    actor: { type: 'system', id: 'saml-metadata-refresh', label: 'SAML metadata refresh' },
    source: { ip: '0.0.0.0', userAgent: 'idp-bridge/saml-metadata-refresh' },
    requestId: runId,
  };
}

/** Refreshes one workspace's SAML connections, one guarded write per changed connection. */
export async function refreshWorkspace(deps: Deps, w: Workspace, runId: string): Promise<RefreshOutcome[]> {
  const repo = deps.repos.workspaces;
  const outcomes: RefreshOutcome[] = [];
  let current = w;
  for (const c of samlConnections(w)) {
    const fetched = c.metadataUrl ? await readMetadata(deps, c.metadataUrl) : undefined;
    const now = deps.now();
    const plan = planRefresh(c, fetched, now, { local: deps.config.LOCAL_MODE });
    const base = { teamId: w.id, connectionId: c.id, changed: plan.changed, warnings: plan.notices.map((n) => n.threshold) };
    const error = plan.next.metadataError !== undefined && plan.changed.includes('metadataError') ? { error: plan.next.metadataError } : {};
    if (!plan.action) {
      outcomes.push({ ...base, result: 'unchanged' });
      continue;
    }
    const next: Workspace = { ...current, updatedAt: now.toISOString(), connections: current.connections.map((x) => (x.id === c.id ? plan.next : x)) };
    try {
      await repo.update(systemContext(deps, w.id, runId), current, next, plan.action, WorkspaceRepo.issuerLinkItems(current, next), {
        target: { type: 'connection', id: c.id },
        before: c,
        after: { ...plan.next, changed: plan.changed },
        events: plan.notices.map((n) => certificateEvent(w.id, plan.next, n)),
      });
    } catch (err) {
      // An admin saved the workspace meanwhile: the next run starts from their values.
      if (err instanceof ConditionFailed || err instanceof TransactionConflict) {
        outcomes.push({ ...base, result: 'conflict', warnings: [] });
        return outcomes;
      }
      throw err;
    }
    current = next;
    outcomes.push({ ...base, result: plan.action === 'connection.metadata_refresh_failed' ? 'failed' : 'updated', ...error });
  }
  return outcomes;
}

/**
 * One run over every workspace of the region. A workspace whose refresh throws (storage trouble)
 * is logged and left for the next run; the others go on.
 */
export async function refreshSamlConnections(deps: Deps, runId = `saml-refresh-${deps.now().toISOString()}`): Promise<RefreshOutcome[]> {
  const outcomes: RefreshOutcome[] = [];
  for await (const page of deps.repos.workspaces.pages()) {
    for (const w of page) {
      if (!w.connections.some((c) => c.protocol === 'saml')) continue;
      try {
        outcomes.push(...(await refreshWorkspace(deps, w, runId)));
      } catch (err) {
        deps.logger.error('SAML refresh of a workspace failed', { teamId: w.id, error: err as Error });
      }
    }
  }
  const count = (r: RefreshOutcome['result']) => outcomes.filter((o) => o.result === r).length;
  deps.logger.info('SAML metadata refresh', {
    connections: outcomes.length,
    updated: count('updated'),
    failed: count('failed'),
    conflicts: count('conflict'),
    warnings: outcomes.reduce((n, o) => n + o.warnings.length, 0),
  });
  return outcomes;
}
