import { makeHandler } from '../platform/lambda.js';
import { createSamlApp } from './app.js';

/** The `saml` endpoint group: SP metadata, SP-initiated login, and the ACS. */
export const handler = makeHandler('api', createSamlApp);
