import { makeHandler } from '../platform/lambda.js';
import { createUniversalLogoutApp } from './app.js';

/**
 * Universal Logout and Shared Signals. Errors of the logout route use the API envelope
 * (`{error: {code, message}}`, for humans: Okta reads only the status); the Shared Signals route
 * renders RFC 8935's `{err, description}` itself.
 */
export const handler = makeHandler('api', (deps) => createUniversalLogoutApp(deps));
