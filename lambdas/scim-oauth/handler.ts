import { makeHandler } from '../platform/lambda.js';
import { createScimOAuthApp } from './app.js';

/** SCIM OAuth 2.0: errors in RFC 6749's `{error, error_description}` envelope (§5.2). */
export const handler = makeHandler('oauth', (deps) => createScimOAuthApp(deps));
