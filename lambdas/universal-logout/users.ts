import type { UserRepo } from '../store/users.js';
import type { UserLookup } from './subjects.js';

/**
 * `UserLookup` over the shared `UserRepo`: every lookup is a key read (uniqueness items, the
 * e-mail index, the sign-in subject link), never a scan.
 */
export function userLookup(users: UserRepo): UserLookup {
  return {
    // A logout errs on the side of revoking: every user known by this address, as userName or as
    // one of their e-mails (e-mail is not unique in SCIM).
    async byEmail(teamId, email) {
      const [byName, ids] = await Promise.all([users.findByUserName(teamId, email), users.idsByEmail(teamId, email)]);
      return [...new Set([...(byName ? [byName.id] : []), ...ids])];
    },
    async bySubject(teamId, issuer, subject) {
      return (await users.findBySubject(teamId, issuer, subject))?.id;
    },
    async byExternalId(teamId, externalId) {
      return (await users.findByExternalId(teamId, externalId))?.id;
    },
    async byId(teamId, userId) {
      return (await users.get(teamId, userId))?.id;
    },
  };
}
