import { NotImplemented } from '../shared/errors.js';
import { makeHandler } from '../shared/lambda.js';

/** Placeholder until its issue lands: answers 501 in the group's error envelope. */
export const handler = makeHandler('oauth', () => async () => {
  throw new NotImplemented('The scim-oauth endpoint group');
});
