import type { Workspace } from '../core/model/workspace.js';
import { normalizeIssuer } from '../core/model/connection.js';
import { trustsIssuer } from './checks/issuer.js';
import type { SubjectIdentifier } from './schemas.js';

/**
 * The user lookups subject matching needs, by user id. A narrow port over `UserRepo`, so this
 * module states exactly which indexes it relies on (all are key lookups: no scan).
 */
export interface UserLookup {
  /** Users whose email (userName or an email address) is this one; e-mail is not unique. */
  byEmail(teamId: string, email: string): Promise<string[]>;
  /** The user who signed in with this (issuer, subject) pair (recorded at SSO sign-in). */
  bySubject(teamId: string, issuer: string, subject: string): Promise<string | undefined>;
  /** The user Okta provisioned with this SCIM `externalId` (Okta's user id). */
  byExternalId(teamId: string, externalId: string): Promise<string | undefined>;
  /** The user with this bridge user id. */
  byId(teamId: string, userId: string): Promise<string | undefined>;
}

/**
 * The users of one workspace a subject identifier names (RFC 9493 formats):
 *
 * - `email` — every user with that email (Okta's default format).
 * - `iss_sub` — the user who signed in with that (issuer, subject); or, when `iss` is the org this
 *   workspace is connected to, the user Okta provisioned with `externalId` = `sub` (Okta's user id:
 *   Okta sends `iss_sub` "if the app supports provisioning").
 * - `opaque` — our user id, or else Okta's user id as SCIM `externalId`.
 */
export async function resolveUsers(users: UserLookup, w: Workspace, subject: SubjectIdentifier): Promise<string[]> {
  switch (subject.format) {
    case 'email':
      return users.byEmail(w.id, subject.email);
    case 'iss_sub': {
      // The issuer as recorded at sign-in may or may not carry a trailing slash.
      const signedIn =
        (await users.bySubject(w.id, subject.iss, subject.sub)) ??
        (normalizeIssuer(subject.iss) !== subject.iss ? await users.bySubject(w.id, normalizeIssuer(subject.iss), subject.sub) : undefined);
      if (signedIn) return [signedIn];
      if (!trustsIssuer(w, subject.iss)) return [];
      const provisioned = await users.byExternalId(w.id, subject.sub);
      return provisioned ? [provisioned] : [];
    }
    case 'opaque': {
      const found = (await users.byId(w.id, subject.id)) ?? (await users.byExternalId(w.id, subject.id));
      return found ? [found] : [];
    }
  }
}
