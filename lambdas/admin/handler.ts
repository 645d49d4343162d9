import { makeHandler } from '../platform/lambda.js';
import { createAdminApp } from './app.js';

export const handler = makeHandler('api', createAdminApp);
