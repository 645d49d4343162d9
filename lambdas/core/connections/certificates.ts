/**
 * IdP signing certificates of SAML connections: normalised to PEM when saved, and their expiry
 * shown to admins (`certificateInfo`), so a rotation is done before sign-ins fail.
 */
import { X509Certificate } from 'node:crypto';
import { BadRequest } from '../errors.js';

/** Days ahead of expiry at which an admin is warned; the smallest threshold reached is reported. */
export const CERTIFICATE_WARNING_DAYS = [90, 30, 7] as const;
export type CertificateWarning = (typeof CERTIFICATE_WARNING_DAYS)[number] | 'expired' | null;

export interface CertificateInfo {
  readonly subject: string;
  /** ISO 8601. */
  readonly notAfter: string;
  /** Whole days left (negative once expired). */
  readonly daysLeft: number;
  /** 90, 30 or 7 when at most that many days are left, `expired` past notAfter, else null. */
  readonly warning: CertificateWarning;
}

const DAY_MS = 86_400_000;

/** Expiry of a PEM certificate at `now`; warning thresholds ≤90, ≤30, ≤7 days. */
export function certificateInfo(pem: string, now: Date): CertificateInfo {
  const cert = new X509Certificate(pem);
  const notAfter = new Date(cert.validTo);
  const left = notAfter.getTime() - now.getTime();
  const daysLeft = Math.floor(left / DAY_MS);
  let warning: CertificateWarning = null;
  if (left <= 0) warning = 'expired';
  else for (const d of CERTIFICATE_WARNING_DAYS) if (daysLeft <= d) warning = d;
  return { subject: cert.subject.replace(/\n/g, ', '), notAfter: notAfter.toISOString(), daysLeft, warning };
}

/** PEM of a certificate given as PEM or bare base64 (metadata's `X509Certificate` element). */
export function pemOf(input: string): string {
  const body = input.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

/** Normalises a PEM or bare-base64 certificate and checks that it parses as X.509 (400 otherwise). */
export function normaliseCertificate(input: string, field = 'idpCertificate'): string {
  const pem = pemOf(input);
  try {
    new X509Certificate(pem);
  } catch {
    throw new BadRequest(`${field}: not a valid X.509 certificate (paste the PEM from the IdP's SAML setup instructions or metadata).`, {
      code: 'validation_failed',
    });
  }
  return pem;
}

/** A certificate's SHA-256 fingerprint (`AA:BB:…`): how expiry notices remember which certificate they announced. */
export function certificateFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}
