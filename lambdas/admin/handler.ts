import { makeHandler } from '../shared/lambda.js';
import { createAdminApp } from './app.js';

export const handler = makeHandler('api', createAdminApp);
