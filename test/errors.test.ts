/**
 * One way to put an error into words (shared/errors.ts), for the shapes the
 * SDK really throws: service exceptions, wrapped by AwsCallError, annotated
 * by shared/aws/clients.ts, socket errors and non-AWS replies.
 */
import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../shared/aws/batch.js';
import { awsCode, describeError, errorFields, errorText, ImdsGuardError, NotAwsReplyError } from '../shared/errors.js';
import { CredentialsError, UsageError } from '../cli/errors.js';
import { MappingError } from '../shared/kinds/launch-configuration/mapping.js';
import { ActionRefused } from '../shared/act/types.js';
import { PolicyError } from '../shared/policy.js';
import { PublishError } from '../shared/engine/unpublished.js';
import { awsError, ec2Error, networkError, unreadableReply } from './support/aws-errors.js';

/** What shared/aws/clients.ts attaches to an error thrown by a client call. */
const annotated = (error: Error, where: Record<string, unknown>): Error => Object.assign(error, where);

describe('describeError / errorText', () => {
  it('says an SDK service error as Code: message, with a hint for permissions', () => {
    const e = ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.');
    expect(describeError(e)).toEqual({ code: 'UnauthorizedOperation', status: 403, message: 'You are not authorized to perform this operation.', hint: 'check the IAM permissions listed in the README' });
    expect(errorText(e, { hint: false })).toBe('UnauthorizedOperation: You are not authorized to perform this operation.');
  });

  it('names service and operation from the client annotation, and the operation from an AwsCallError', () => {
    const e = annotated(ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials'), { $service: 'EC2', $operation: 'DescribeInstances' });
    expect(describeError(e).status).toBe(401);
    expect(errorText(e)).toBe(
      'EC2 DescribeInstances: AuthFailure: AWS was not able to validate the provided access credentials (the region may not be enabled for this account (opt-in region), or the credentials are not valid there)',
    );
    const wrapped = new AwsCallError('DescribeLaunchTemplates', '2 ids: lt-1, lt-2', ec2Error('InternalError', 'An internal error has occurred'));
    expect(wrapped.message).toBe('DescribeLaunchTemplates (2 ids: lt-1, lt-2) failed: InternalError: An internal error has occurred');
    expect(wrapped).toBeInstanceOf(ImdsGuardError);
    expect(awsCode(wrapped)).toBe('InternalError');
    expect(describeError(wrapped)).toMatchObject({ code: 'InternalError', operation: 'DescribeLaunchTemplates', status: 500 });
  });

  it('reads a body the SDK could not parse (no HTML content type) as a non-AWS reply with its status', () => {
    // JSON protocols fail to parse it (SyntaxError); XML ones name it Unknown or fail their XML parser.
    const json = annotated(unreadableReply('CloudWatch', 504, 'text/plain', 'Gateway Timeout'), { $service: 'CloudWatch', $operation: 'GetMetricData' });
    expect(errorText(json)).toBe('CloudWatch GetMetricData: HTTP 504 with a text/plain body that is not an AWS reply (a proxy, a captive portal or a wrong endpoint URL?)');
    const markup = annotated(unreadableReply('EC2', 403, 'text/xml', '<html><body>Forbidden</body></html>'), { $service: 'EC2', $operation: 'DescribeInstances' });
    expect(errorText(markup)).toBe('EC2 DescribeInstances: HTTP 403 with a text/xml body that is not an AWS reply (a proxy, a captive portal or a wrong endpoint URL?)');
    const text = annotated(unreadableReply('AutoScaling', 503, 'text/plain', 'Service Unavailable'), { $service: 'AutoScaling', $operation: 'DescribeAutoScalingGroups' });
    expect(describeError(text)).toMatchObject({ code: 'NotAwsReply', status: 503 });
  });

  it('says a refused connection is a network problem', () => {
    const e = annotated(networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9', 8), { $service: 'STS', $operation: 'GetCallerIdentity' });
    expect(describeError(e)).toMatchObject({ code: 'ECONNREFUSED', message: 'cannot reach the endpoint (connect ECONNREFUSED 127.0.0.1:9)', hint: expect.stringContaining('AWS_ENDPOINT_URL') });
  });

  it('says a thrown string or object as it is', () => {
    expect(errorText('plain words')).toBe('plain words');
    expect(errorText({ odd: true })).toBe('{"odd":true}');
  });
});

describe('errorFields', () => {
  it('gives a log line the code, where, status, request id and attempts', () => {
    const e = annotated(awsError('SecurityHub', 'ThrottlingException', 'Rate exceeded', { requestId: 'req-1' }), { $service: 'SecurityHub', $operation: 'BatchImportFindings', $elapsedMs: 5120 });
    expect(errorFields(e)).toEqual({
      errorName: 'ThrottlingException',
      errorMessage: 'SecurityHub BatchImportFindings: ThrottlingException: Rate exceeded',
      errorCode: 'ThrottlingException',
      service: 'SecurityHub',
      operation: 'BatchImportFindings',
      httpStatusCode: 429,
      requestId: 'req-1',
      attempts: 1,
      elapsedMs: 5120,
    });
  });

  it('keeps the words of an AwsCallError (which ids)', () => {
    const wrapped = new AwsCallError('DescribeInstances', '1 instance ids: i-1', ec2Error('InternalError', 'boom'));
    expect(errorFields(wrapped).errorMessage).toBe('DescribeInstances (1 instance ids: i-1) failed: InternalError: boom');
  });
});

describe('one error hierarchy', () => {
  it('every error imds-guard throws on purpose is an ImdsGuardError, with its own name', () => {
    const errors = [
      new AwsCallError('DescribeInstances', 'listing', new Error('boom')),
      new NotAwsReplyError(502, 'text/html'),
      new PolicyError('IMDS_GUARD_MODE must be one of detect, dry-run, enforce'),
      new MappingError('unknown volume type'),
      new ActionRefused('managed by a declarative policy'),
      new PublishError([{ id: 'i-0', error: 'throttled' }]),
      new UsageError('unknown option --nope'),
      new CredentialsError('no credentials'),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(ImdsGuardError);
      expect(error.name).not.toBe('ImdsGuardError');
    }
    expect(new Set(errors.map((e) => e.name)).size).toBe(errors.length);
  });
});
