import { makeHandler } from '../platform/lambda.js';
import { createOidcApp } from './app.js';

/** OIDC relying party (`/api/okta/oidc/*`): browser-facing, so its refusals are HTML pages. */
export const handler = makeHandler('api', createOidcApp);
