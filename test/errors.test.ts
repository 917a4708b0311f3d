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

function sdkError(name: string, message: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1 }, ...extra });
}

describe('describeError / errorText', () => {
  it('says an SDK service error as Code: message, with a hint for permissions', () => {
    const e = sdkError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403);
    expect(describeError(e)).toEqual({ code: 'UnauthorizedOperation', status: 403, message: 'You are not authorized to perform this operation.', hint: 'check the IAM permissions listed in the README' });
    expect(errorText(e, { hint: false })).toBe('UnauthorizedOperation: You are not authorized to perform this operation.');
  });

  it('names service and operation from the client annotation, and the operation from an AwsCallError', () => {
    const annotated = Object.assign(sdkError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401), { $service: 'EC2', $operation: 'DescribeInstances' });
    expect(errorText(annotated)).toBe(
      'EC2 DescribeInstances: AuthFailure: AWS was not able to validate the provided access credentials (the region may not be enabled for this account (opt-in region), or the credentials are not valid there)',
    );
    const wrapped = new AwsCallError('DescribeLaunchTemplates', '2 ids: lt-1, lt-2', sdkError('InternalError', 'An internal error has occurred', 500));
    expect(wrapped.message).toBe('DescribeLaunchTemplates (2 ids: lt-1, lt-2) failed: InternalError: An internal error has occurred');
    expect(wrapped).toBeInstanceOf(ImdsGuardError);
    expect(awsCode(wrapped)).toBe('InternalError');
    expect(describeError(wrapped)).toMatchObject({ code: 'InternalError', operation: 'DescribeLaunchTemplates', status: 500 });
  });

  it('reads a body the SDK could not parse (no HTML content type) as a non-AWS reply with its status', () => {
    const e = Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 504 }, $response: { statusCode: 504, headers: { 'content-type': 'text/plain' } }, $service: 'CloudWatch', $operation: 'GetMetricData' });
    expect(errorText(e)).toBe('CloudWatch GetMetricData: HTTP 504 with a text/plain body that is not an AWS reply (a proxy, a captive portal or a wrong endpoint URL?)');
  });

  it('says a refused connection is a network problem', () => {
    const e = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', $metadata: { attempts: 8 }, $service: 'STS', $operation: 'GetCallerIdentity' });
    expect(describeError(e)).toMatchObject({ code: 'ECONNREFUSED', message: 'cannot reach the endpoint (connect ECONNREFUSED 127.0.0.1:9)', hint: expect.stringContaining('AWS_ENDPOINT_URL') });
  });

  it('says a thrown string or object as it is', () => {
    expect(errorText('plain words')).toBe('plain words');
    expect(errorText({ odd: true })).toBe('{"odd":true}');
  });
});

describe('errorFields', () => {
  it('gives a log line the code, where, status, request id and attempts', () => {
    const e = Object.assign(sdkError('ThrottlingException', 'Rate exceeded', 400), { $service: 'SecurityHub', $operation: 'BatchImportFindings', $elapsedMs: 5120 });
    expect(errorFields(e)).toEqual({
      errorName: 'ThrottlingException',
      errorMessage: 'SecurityHub BatchImportFindings: ThrottlingException: Rate exceeded',
      errorCode: 'ThrottlingException',
      service: 'SecurityHub',
      operation: 'BatchImportFindings',
      httpStatusCode: 400,
      requestId: 'req-1',
      attempts: 1,
      elapsedMs: 5120,
    });
  });

  it('keeps the words of an AwsCallError (which ids)', () => {
    const wrapped = new AwsCallError('DescribeInstances', '1 instance ids: i-1', sdkError('InternalError', 'boom', 500));
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
