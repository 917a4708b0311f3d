/**
 * What every Lambda entry point gets around its own code: the Lambda context
 * on every log line (Powertools Logger: request id, cold start, function
 * name), a `Failures{stage=invocation}` count when it throws, and the
 * invocation's metrics flushed (shared/lambda/metrics.ts), also on failure.
 */
import type { Context } from 'aws-lambda';
import { flushMetrics } from './metrics.js';
import { logger } from '../observability/log.js';
import { count } from '../observability/metrics.js';

export function lambdaHandler<E, R>(handle: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    try {
      return await handle(event, context);
    } catch (error) {
      count('Failures', 1, { name: 'stage', value: 'invocation' });
      throw error;
    } finally {
      flushMetrics();
    }
  };
}
