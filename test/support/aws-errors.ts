/**
 * AWS errors as the SDK v3 hands them to imds-guard: the client's own
 * exception class (its ServiceException, or the modeled error class when the
 * service model has one), `name`, `$fault`, `$metadata.httpStatusCode`,
 * `message`, and the fields the deserializer copies from the reply body
 * (`Code`, `Type`, `Error`, `__type`). Every test that makes an AWS call fail
 * builds its error here, so the code that decides retry, skip or fail
 * (shared/errors.ts, shared/aws/batch.ts, shared/sinks/retry.ts) is tested
 * against errors AWS really sends.
 *
 * Each code carries the HTTP status AWS returns with it and where that comes
 * from; a code without a recorded status is refused (add it, with its
 * source). test/support/aws-errors.test.ts checks every entry against the
 * SDK's own deserializer fed a wire reply of that status.
 *
 * Sources (short names used in the table):
 * - model: the service's Smithy model as shipped in the @aws-sdk/client-* package
 *   (its `httpError` trait; the deserializer builds the modeled class from it).
 * - ec2-errors: EC2 API Reference, "Error codes for the Amazon EC2 API"
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 *   (client errors come with a 4xx status, server errors with a 5xx one; the page gives no status per code).
 * - ec2-403: replies quoted in AWS documentation, "(Service: AmazonEC2; Status Code: 403; Error Code:
 *   UnauthorizedOperation": OpenSearch Service Developer Guide, Troubleshooting, "Unauthorized operation after
 *   selecting VPC access"; Systems Manager User Guide, Troubleshooting Automation (RunInstances).
 * - ec2-401: "(Service: AmazonEC2; Status Code: 401; Error Code: AuthFailure" (ServiceNow KB0749275).
 * - ec2-400-notfound: "(Service: AmazonEC2; Status Code: 400; Error Code: InvalidInstanceID.NotFound" (AWS SDK for Java v1 and v2 traces).
 * - ec2-503: "Request limit exceeded. (Service: AmazonEC2; Status Code: 503; Error Code: RequestLimitExceeded"
 *   (github.com/cloudfoundry/bosh-aws-cpi-release/issues/61; also jclouds/legacy-jclouds#1214,
 *   haskell-mafia/mismi#196, CloudSnorkel/cdk-github-runners#946).
 * - common-errors: the "Common Errors" page of each API reference (e.g.
 *   https://docs.aws.amazon.com/securityhub/1.0/APIReference/CommonErrors.html,
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/CommonErrors.html): InternalFailure 500,
 *   ServiceUnavailable 503, ThrottlingException 400, AccessDeniedException 400, InvalidClientTokenId 403.
 * - query-403: IAM denials of the query-protocol services arrive as `AccessDenied` with 403:
 *   "(Service: AWSSecurityTokenService; Status Code: 403; Error Code: AccessDenied" (AWS Batch User Guide,
 *   invalid compute environment), "(Service: AmazonAutoScaling; Status Code: 403; Error Code: AccessDenied"
 *   (Spinnaker deploy log); for CloudWatch the same by analogy (unconfirmed).
 * - json-400: IAM denials of the JSON-protocol services arrive as `AccessDeniedException` with 400:
 *   "(Service: AmazonConfig; Status Code: 400; Error Code: AccessDeniedException" (AWS Config Developer Guide,
 *   service-linked rules). Where the model has its own AccessDeniedException (Security Hub, Organizations,
 *   CloudTrail) its httpError (403) wins over the generic Common Errors page (400).
 * - throttling-400: "Throttling" / "ThrottlingException" with "Rate exceeded" and 400 (Route 53 and the query
 *   services, boto/botocore#91; common-errors).
 * - too-many-requests: Security Hub answers a throttled call with `TooManyRequestsException` "Too Many Requests"
 *   (prowler-cloud/prowler#5004); 429 is the status of that name (the reply's status is unconfirmed).
 * - ec2-expired: EC2 answers an expired session token (or a request signed more than 15 minutes off) with
 *   "RequestExpired: Request has expired.", 400 (aws/aws-sdk-java#1443, aws/aws-sdk-go-v2#1674).
 * - expired-token: the query services answer an expired session token with "ExpiredToken: The security token
 *   included in the request is expired", 403 ("(Service: AWSSecurityTokenService; Status Code: 403; Error Code:
 *   ExpiredToken", jenkinsci/ec2-plugin#1008).
 * - s3-403, s3-404, s3-errors: S3 API Reference, "Error responses" (AccessDenied: 403 Forbidden; NoSuchKey: 404 Not Found;
 *   RequestTimeout: 400 Bad Request)
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html; HeadObject: a missing key is 404.
 * - s3-409: the same page: BucketAlreadyExists and BucketAlreadyOwnedByYou are 409 Conflict.
 * - validation-400: CloudFormation `ValidationError` "Stack with id … does not exist", 400 (AWS CLI / SDK replies;
 *   "(Service: AmazonAutoScaling; Status Code: 400; Error Code: ValidationError" in the same Spinnaker log).
 */
import { AutoScalingServiceException, ScalingActivityInProgressFault } from '@aws-sdk/client-auto-scaling';
import { CloudFormationServiceException } from '@aws-sdk/client-cloudformation';
import { AccessDeniedException as CloudTrailAccessDenied, CloudTrailServiceException } from '@aws-sdk/client-cloudtrail';
import { CloudWatchServiceException, InternalServiceFault } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceServiceException, InvalidResultTokenException } from '@aws-sdk/client-config-service';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { AccessDeniedException as OrganizationsAccessDenied, AccountNotFoundException, OrganizationsServiceException } from '@aws-sdk/client-organizations';
import {
  AccessDeniedException as SecurityHubAccessDenied,
  InternalException,
  InvalidAccessException,
  InvalidInputException,
  LimitExceededException,
  SecurityHubServiceException,
  ThrottlingException as SecurityHubThrottling,
  ValidationException as SecurityHubValidation,
} from '@aws-sdk/client-securityhub';
import { AccessDenied as S3AccessDenied, BucketAlreadyExists, BucketAlreadyOwnedByYou, NoSuchKey, NotFound as S3NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { RegionDisabledException, STSServiceException } from '@aws-sdk/client-sts';
import { CredentialsProviderError } from '@smithy/core/config';
import type { ResponseMetadata } from '@smithy/types';

/** How the service's protocol puts an error on the wire, which decides the body fields the SDK copies. */
export type Protocol = 'ec2Query' | 'awsQuery' | 'awsJson1_0-query-compatible' | 'awsJson1_1' | 'restJson1' | 'restXml';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the modeled classes take their own option types
type ExceptionClass = new (options: any) => Error;

interface ServiceInfo {
  base: ExceptionClass;
  protocol: Protocol;
  /** For awsJson1_0 with query compatibility: the model namespace of `__type`. */
  namespace?: string;
}

export const SERVICES = {
  EC2: { base: EC2ServiceException, protocol: 'ec2Query' },
  AutoScaling: { base: AutoScalingServiceException, protocol: 'awsQuery' },
  STS: { base: STSServiceException, protocol: 'awsQuery' },
  CloudFormation: { base: CloudFormationServiceException, protocol: 'awsQuery' },
  CloudWatch: { base: CloudWatchServiceException, protocol: 'awsJson1_0-query-compatible', namespace: 'com.amazonaws.cloudwatch' },
  ConfigService: { base: ConfigServiceServiceException, protocol: 'awsJson1_1' },
  CloudTrail: { base: CloudTrailServiceException, protocol: 'awsJson1_1' },
  Organizations: { base: OrganizationsServiceException, protocol: 'awsJson1_1' },
  SecurityHub: { base: SecurityHubServiceException, protocol: 'restJson1' },
  S3: { base: S3ServiceException, protocol: 'restXml' },
} as const satisfies Record<string, ServiceInfo>;

export type Service = keyof typeof SERVICES;

export interface KnownCode {
  /** The HTTP status AWS returns with this code. */
  status: number;
  /** Where that status comes from (a short name from the header of this file). */
  source: string;
  /** The modeled error class the deserializer builds for this code, when the service model has one. */
  modeled?: ExceptionClass;
}

/** The codes every query-protocol service (Auto Scaling, STS, CloudFormation, CloudWatch) answers alike (common-errors). */
const QUERY_PROTOCOL: Record<string, KnownCode> = {
  AccessDenied: { status: 403, source: 'query-403' },
  Throttling: { status: 400, source: 'throttling-400' },
  InvalidClientTokenId: { status: 403, source: 'common-errors' },
  ExpiredToken: { status: 403, source: 'expired-token' },
  InternalFailure: { status: 500, source: 'common-errors' },
};

/** Auto Scaling and CloudFormation also name a bad parameter ValidationError (CloudWatch's model has its own class). */
const QUERY_WITH_VALIDATION: Record<string, KnownCode> = { ...QUERY_PROTOCOL, ValidationError: { status: 400, source: 'validation-400' } };

/** Every error code the tests use, per service, with its status and its source. */
export const KNOWN: Record<Service, Record<string, KnownCode>> = {
  EC2: {
    UnauthorizedOperation: { status: 403, source: 'ec2-403' },
    AuthFailure: { status: 401, source: 'ec2-401' },
    RequestLimitExceeded: { status: 503, source: 'ec2-503' },
    InternalError: { status: 500, source: 'ec2-errors (server error)' },
    ServiceUnavailable: { status: 503, source: 'ec2-errors (server error); common-errors' },
    'InvalidInstanceID.NotFound': { status: 400, source: 'ec2-400-notfound' },
    'InvalidInstanceID.Malformed': { status: 400, source: 'ec2-errors (client error); ec2-400-notfound' },
    'InvalidLaunchTemplateId.NotFound': { status: 400, source: 'ec2-errors (client error)' },
    'InvalidLaunchTemplateId.VersionNotFound': { status: 400, source: 'ec2-errors (client error)' },
    'InvalidLaunchTemplateName.NotFoundException': { status: 400, source: 'ec2-errors (client error)' },
    'InvalidLaunchTemplateName.AlreadyExistsException': { status: 400, source: 'ec2-errors (client error)' },
    IncorrectInstanceState: { status: 400, source: 'ec2-errors (client error)' },
    RequestExpired: { status: 400, source: 'ec2-expired' },
    UnsupportedOperation: { status: 400, source: 'ec2-errors (client error); EC2 User Guide, "Modifying an IMDSv1-enabled instance fails" (code and message)' },
  },
  AutoScaling: { ...QUERY_WITH_VALIDATION, ScalingActivityInProgress: { status: 400, source: 'model', modeled: ScalingActivityInProgressFault } },
  STS: { ...QUERY_PROTOCOL, RegionDisabledException: { status: 403, source: 'model', modeled: RegionDisabledException } },
  // CloudFormation is a query service too; its AccessDenied is unconfirmed by a real reply.
  CloudFormation: QUERY_WITH_VALIDATION,
  CloudWatch: {
    ...QUERY_PROTOCOL,
    InvalidClientTokenId: { status: 403, source: 'common-errors; "(Service: AmazonCloudWatch; Status Code: 403; Error Code: InvalidClientTokenId" (spring-cloud-stream-binder-aws-kinesis docs)' },
    InternalServiceError: { status: 500, source: 'model', modeled: InternalServiceFault },
  },
  ConfigService: {
    AccessDeniedException: { status: 400, source: 'json-400' },
    ThrottlingException: { status: 400, source: 'common-errors' },
    InvalidResultTokenException: { status: 400, source: 'model (a client error without httpError: 400)', modeled: InvalidResultTokenException },
  },
  CloudTrail: {
    AccessDeniedException: { status: 403, source: 'model', modeled: CloudTrailAccessDenied },
  },
  Organizations: {
    AccessDeniedException: { status: 403, source: 'model', modeled: OrganizationsAccessDenied },
    AccountNotFoundException: { status: 404, source: 'model', modeled: AccountNotFoundException },
  },
  SecurityHub: {
    AccessDeniedException: { status: 403, source: 'model', modeled: SecurityHubAccessDenied },
    InvalidAccessException: { status: 401, source: 'model', modeled: InvalidAccessException },
    InvalidInputException: { status: 400, source: 'model', modeled: InvalidInputException },
    ValidationException: { status: 400, source: 'model', modeled: SecurityHubValidation },
    LimitExceededException: { status: 429, source: 'model', modeled: LimitExceededException },
    ThrottlingException: { status: 429, source: 'model', modeled: SecurityHubThrottling },
    TooManyRequestsException: { status: 429, source: 'too-many-requests' },
    InternalException: { status: 500, source: 'model', modeled: InternalException },
  },
  S3: {
    NoSuchKey: { status: 404, source: 'model', modeled: NoSuchKey },
    NotFound: { status: 404, source: 's3-404 (a HEAD request has no body: the SDK names its 404 NotFound)', modeled: S3NotFound },
    RequestTimeout: { status: 400, source: 's3-errors (RequestTimeout: "Your socket connection to the server was not read from or written to within the timeout period", 400 Bad Request)' },
    AccessDenied: { status: 403, source: 'model; s3-403', modeled: S3AccessDenied },
    BucketAlreadyExists: { status: 409, source: 'model; s3-409', modeled: BucketAlreadyExists },
    BucketAlreadyOwnedByYou: { status: 409, source: 'model; s3-409', modeled: BucketAlreadyOwnedByYou },
  },
};

export interface AwsErrorOptions {
  /** `$metadata.requestId` (default a fixed id). */
  requestId?: string;
  /** `$metadata.attempts`: how many tries the SDK made before giving up (default 1). */
  attempts?: number;
}

const REQUEST_ID = '8f2c4e1a-7b3d-4c59-9e0a-1d2b3c4d5e6f';

function metadata(status: number, options: AwsErrorOptions): ResponseMetadata {
  return { httpStatusCode: status, requestId: options.requestId ?? REQUEST_ID, attempts: options.attempts ?? 1, totalRetryDelay: 0 };
}

/** The body fields the SDK's deserializer copies onto the error, by protocol (what the fidelity test compares). */
function bodyFields(service: Service, code: string, message: string, status: number): Record<string, unknown> {
  const info: ServiceInfo = SERVICES[service];
  const type = status >= 500 ? 'Receiver' : 'Sender';
  switch (info.protocol) {
    case 'ec2Query':
      return { Code: code, Error: { Code: code, Message: message } };
    case 'awsQuery':
      return { Type: type, Code: code, Error: { Type: type, Code: code, Message: message } };
    case 'awsJson1_0-query-compatible':
      return { __type: `${info.namespace}#${code}`, Code: code, Type: type, Error: { Code: code, Type: type, Message: message } };
    case 'awsJson1_1':
      return { __type: code };
    case 'restJson1':
      return { Code: code };
    case 'restXml':
      return { Code: code };
  }
}

/**
 * `service` failing with `code`: the error its SDK client throws for that
 * reply, with the status AWS sends (see KNOWN). Throws for a code with no
 * recorded status.
 */
export function awsError(service: Service, code: string, message: string, options: AwsErrorOptions = {}): Error {
  const known = KNOWN[service][code];
  if (known === undefined) {
    throw new Error(`test/support/aws-errors.ts: no HTTP status recorded for ${service} ${code}; add it to KNOWN with its source`);
  }
  return build(service, code, message, known.status, known.modeled, options);
}

/**
 * An error code the table does not know (one AWS might add), with the status
 * the test assumes: for tests of "any 429 / any 5xx" classification only.
 */
export function unlistedAwsError(service: Service, code: string, status: number, message: string, options: AwsErrorOptions = {}): Error {
  if (KNOWN[service][code] !== undefined) throw new Error(`${service} ${code} is listed: use awsError`);
  return build(service, code, message, status, undefined, options);
}

function build(service: Service, code: string, message: string, status: number, modeled: ExceptionClass | undefined, options: AwsErrorOptions): Error {
  const $metadata = metadata(status, options);
  const error = modeled
    ? new modeled({ $metadata, message })
    : new SERVICES[service].base({ name: code, $fault: status >= 500 ? 'server' : 'client', $metadata, message });
  return Object.assign(error, bodyFields(service, code, message, status));
}

/** An EC2 error (the commonest in the tests). */
export const ec2Error = (code: string, message: string, options?: AwsErrorOptions): Error => awsError('EC2', code, message, options);

const DESERIALIZATION = '\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.';

/**
 * A reply the SDK could not read as an AWS error (a proxy's or a gateway's
 * page): the JSON protocols fail to parse it (SyntaxError, "Deserialization
 * error"), the XML ones build their ServiceException named `Unknown`; both
 * keep the raw reply as the hidden `$response`.
 */
export function unreadableReply(service: Service, status: number, contentType: string, body: string): Error {
  const headers = { 'content-type': contentType };
  const $response = { statusCode: status, headers, body };
  const $metadata = { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 };
  const protocol = SERVICES[service].protocol;
  let error: Error;
  if ((protocol === 'ec2Query' || protocol === 'awsQuery') && body.trimStart().startsWith('<')) {
    // Markup parses, but holds no <Error>: the client's exception, named Unknown.
    error = new SERVICES[service].base({ name: 'Unknown', $fault: status >= 500 ? 'server' : 'client', $metadata, message: 'Unknown' });
    Object.assign(error, { Error: { Type: undefined, Code: undefined, Message: 'Unknown' } });
  } else if (protocol === 'ec2Query' || protocol === 'awsQuery') {
    error = Object.assign(new Error(`@aws-sdk XML parse error: unexpected content.${DESERIALIZATION}`), { $metadata });
  } else {
    let parseMessage = '';
    try {
      JSON.parse(body);
    } catch (e) {
      parseMessage = (e as Error).message;
    }
    error = Object.assign(new SyntaxError(`${parseMessage}${DESERIALIZATION}`), { $metadata });
  }
  Object.defineProperty(error, '$response', { value: $response, enumerable: false });
  return error;
}

/**
 * A call that timed out in @smithy/node-http-handler, after the SDK's tries:
 * `request` (requestTimeout, code ETIMEDOUT), `connection` (connectionTimeout)
 * or `socket` (no activity), with node-http-handler's own words.
 */
export function timeoutError(kind: 'request' | 'connection' | 'socket', ms: number, attempts = 1): Error {
  const prefix = '@smithy/node-http-handler - ';
  const error =
    kind === 'request'
      ? Object.assign(new Error(`${prefix}[ERROR] a request has exceeded the configured ${ms} ms requestTimeout.`), { name: 'TimeoutError', code: 'ETIMEDOUT' })
      : kind === 'connection'
        ? Object.assign(new Error(`${prefix}the request socket did not establish a connection with the server within the configured timeout of ${ms} ms.`), { name: 'TimeoutError' })
        : Object.assign(new Error(`${prefix}the request socket timed out after ${ms} ms of inactivity (configured by client requestHandler).`), { name: 'TimeoutError' });
  // The SDK's retry middleware records its tries on whatever it finally throws.
  return Object.assign(error, { $metadata: { attempts, totalRetryDelay: 0 } });
}

const ERRNO: Record<string, { errno: number; syscall: string }> = {
  ECONNREFUSED: { errno: -111, syscall: 'connect' },
  ECONNRESET: { errno: -104, syscall: 'read' },
  ENOTFOUND: { errno: -3008, syscall: 'getaddrinfo' },
  EAI_AGAIN: { errno: -3001, syscall: 'getaddrinfo' },
  EPIPE: { errno: -32, syscall: 'write' },
};

/** A Node.js socket error (nothing reached AWS), as the SDK throws it after its tries. */
export function networkError(code: keyof typeof ERRNO, message: string, attempts = 1): Error {
  const { errno, syscall } = ERRNO[code]!;
  return Object.assign(new Error(message), { code, errno, syscall, $metadata: { attempts, totalRetryDelay: 0 } });
}

/** No credentials anywhere in the SDK's provider chain. */
export function credentialsError(message = 'Could not load credentials from any providers'): Error {
  return new CredentialsProviderError(message, { tryNextLink: false });
}
