import { makeHandler } from '../platform/lambda.js';
import { createAuditApp } from './app.js';

export const handler = makeHandler('api', createAuditApp);
