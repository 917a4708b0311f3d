/** Which call errors the sinks try again: the SDK's own classification (@smithy/core/retry). */
import { describe, expect, it } from 'vitest';
import { NotAwsReplyError } from '../../shared/errors.js';
import { isRetryableError, messageOf } from '../../shared/sinks/retry.js';
import { awsError, ec2Error, networkError, timeoutError, unlistedAwsError } from '../support/aws-errors.js';

describe('isRetryableError', () => {
  it.each([
    ['ThrottlingException (Security Hub, 429)', awsError('SecurityHub', 'ThrottlingException', 'Rate exceeded')],
    ['ThrottlingException (Config, 400)', awsError('ConfigService', 'ThrottlingException', 'Rate exceeded')],
    ['Throttling (Auto Scaling, 400)', awsError('AutoScaling', 'Throttling', 'Rate exceeded')],
    ['RequestLimitExceeded (EC2, 503)', ec2Error('RequestLimitExceeded', 'Request limit exceeded.')],
    ['TooManyRequestsException (Security Hub, 429)', awsError('SecurityHub', 'TooManyRequestsException', 'Too Many Requests')],
    ['LimitExceededException (Security Hub, 429)', awsError('SecurityHub', 'LimitExceededException', 'Rate exceeded')],
    ['any 429', unlistedAwsError('SecurityHub', 'SomethingNew', 429, 'new words')],
    ['InternalException (Security Hub, 500)', awsError('SecurityHub', 'InternalException', 'Internal server error')],
    ['InternalError (EC2, 500)', ec2Error('InternalError', 'An internal error has occurred.')],
    ['InternalFailure (Auto Scaling, 500)', awsError('AutoScaling', 'InternalFailure', 'An internal error occurred.')],
    ['ServiceUnavailable (EC2, 503)', ec2Error('ServiceUnavailable', 'The service is unavailable. Try again later.')],
    ['a proxy page with 502', new NotAwsReplyError(502, 'text/html')],
    ['a reset connection', networkError('ECONNRESET', 'socket hang up')],
  ])('retries %s', (_label, error) => {
    expect(isRetryableError(error)).toBe(true);
  });

  it.each([
    ['ValidationException (Security Hub)', awsError('SecurityHub', 'ValidationException', 'Invalid filter')],
    ['AccessDeniedException (Security Hub, 403)', awsError('SecurityHub', 'AccessDeniedException', 'User is not authorized to perform: securityhub:BatchImportFindings')],
    ['AccessDeniedException (Config, 400)', awsError('ConfigService', 'AccessDeniedException', 'User is not authorized to perform: config:PutEvaluations')],
    ['UnauthorizedOperation (EC2, 403)', ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.')],
    ['InvalidAccessException (Security Hub not enabled, 401)', awsError('SecurityHub', 'InvalidAccessException', 'Account 111122223333 is not subscribed to AWS Security Hub')],
    ['InvalidResultTokenException (Config)', awsError('ConfigService', 'InvalidResultTokenException', 'The result token is invalid')],
    ['a proxy page with 200', new NotAwsReplyError(200, 'text/html')],
    ['a request timeout the SDK already retried', timeoutError('request', 10_000, 3)],
    ['a connection timeout the SDK already retried', timeoutError('connection', 3_000, 3)],
    ['not an object', 'boom'],
  ])('does not retry %s', (_label, error) => {
    expect(isRetryableError(error)).toBe(false);
  });

  it('messageOf says Code: message', () => {
    expect(messageOf(awsError('SecurityHub', 'ValidationException', 'ValidationException'))).toBe('ValidationException');
    expect(messageOf(awsError('SecurityHub', 'ThrottlingException', 'Rate exceeded'))).toBe('ThrottlingException: Rate exceeded');
  });
});
