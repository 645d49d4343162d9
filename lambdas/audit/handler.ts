import { makeHandler } from '../shared/lambda.js';
import { createAuditApp } from './app.js';

export const handler = makeHandler('api', createAuditApp);
