import { makeHandler } from '../platform/lambda.js';
import { createTokensApp } from './app.js';

/** Host-app token API (`/api/sso/token`, `/api/tokens/*`, user token minting): OAuth error envelope. */
export const handler = makeHandler('oauth', createTokensApp);
