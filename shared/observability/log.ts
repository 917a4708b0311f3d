/**
 * One structured JSON logger for every entry point (Powertools for AWS Lambda).
 * Level from POWERTOOLS_LOG_LEVEL (default INFO).
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'imds-guard' });

/** Error details for a log line (shared/errors.ts: one way to put an error into words). */
export { errorFields } from '../errors.js';
