/**
 * One structured JSON logger for every entry point (Powertools for AWS Lambda).
 * Level from POWERTOOLS_LOG_LEVEL (default INFO).
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'imds-guard' });

/** Error details for a log line, without stack noise for AWS service errors. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const meta = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
    return {
      errorName: error.name,
      errorMessage: error.message,
      ...(meta?.httpStatusCode ? { httpStatusCode: meta.httpStatusCode } : {}),
      ...(meta?.requestId ? { requestId: meta.requestId } : {}),
    };
  }
  return { errorMessage: String(error) };
}
