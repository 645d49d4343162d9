import { makeHandler } from '../platform/lambda.js';
import { createScimApp } from './app.js';

/** The SCIM 2.0 endpoint group; errors are rendered in the RFC 7644 §3.12 envelope. */
export const handler = makeHandler('scim', createScimApp);
