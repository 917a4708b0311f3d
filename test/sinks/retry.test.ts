/** Which call errors the sinks try again: the SDK's own classification (@smithy/core/retry). */
import { describe, expect, it } from 'vitest';
import { NotAwsReplyError } from '../../shared/errors.js';
import { isRetryableError, messageOf } from '../../shared/sinks/retry.js';

const sdk = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, ...extra });

describe('isRetryableError', () => {
  it.each([
    ['ThrottlingException (Security Hub)', sdk('ThrottlingException', 400)],
    ['RequestLimitExceeded (EC2)', sdk('RequestLimitExceeded', 503)],
    ['TooManyRequestsException', sdk('TooManyRequestsException', 429)],
    ['any 429', sdk('SomethingNew', 429)],
    ['InternalException 500', sdk('InternalException', 500)],
    ['ServiceUnavailableException 503', sdk('ServiceUnavailableException', 503)],
    ['a proxy page with 502', new NotAwsReplyError(502, 'text/html')],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('retries %s', (_label, error) => {
    expect(isRetryableError(error)).toBe(true);
  });

  it.each([
    ['ValidationException', sdk('ValidationException', 400)],
    ['AccessDeniedException', sdk('AccessDeniedException', 403)],
    ['InvalidAccessException (Security Hub not enabled)', sdk('InvalidAccessException', 401)],
    ['a proxy page with 200', new NotAwsReplyError(200, 'text/html')],
    ['a timeout the SDK already retried', Object.assign(new Error('a request has exceeded the configured 10000 ms requestTimeout.'), { name: 'TimeoutError', code: 'ETIMEDOUT' })],
    ['not an object', 'boom'],
  ])('does not retry %s', (_label, error) => {
    expect(isRetryableError(error)).toBe(false);
  });

  it('messageOf says Code: message', () => {
    expect(messageOf(sdk('ValidationException', 400))).toBe('ValidationException');
    expect(messageOf(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))).toBe('ThrottlingException: Rate exceeded');
  });
});
