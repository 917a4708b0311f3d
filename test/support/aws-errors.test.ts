/**
 * The errors of test/support/aws-errors.ts are the SDK's: for every listed
 * code, a real client is fed the wire reply AWS sends (the service's
 * protocol, the recorded status) and the error it throws is compared field
 * by field with the helper's. A wrong status in the table, a wrong class or a
 * missing body field fails here.
 */
import { Readable } from 'node:stream';
import * as autoScaling from '@aws-sdk/client-auto-scaling';
import * as cloudFormation from '@aws-sdk/client-cloudformation';
import * as cloudTrail from '@aws-sdk/client-cloudtrail';
import * as cloudWatch from '@aws-sdk/client-cloudwatch';
import * as config from '@aws-sdk/client-config-service';
import * as ec2 from '@aws-sdk/client-ec2';
import * as organizations from '@aws-sdk/client-organizations';
import * as s3 from '@aws-sdk/client-s3';
import * as securityHub from '@aws-sdk/client-securityhub';
import * as sts from '@aws-sdk/client-sts';
import { HttpResponse } from '@smithy/core/protocols';
import { describe, expect, it } from 'vitest';
import { awsCode, describeError } from '../../shared/errors.js';
import { isRetryableError } from '../../shared/sinks/retry.js';
import { awsError, KNOWN, SERVICES, unreadableReply, type Service } from './aws-errors.js';

const REQUEST_ID = 'wire-request-1';

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The error reply `service` sends for `code`, in its protocol. */
function wireReply(service: Service, code: string, message: string, status: number): Reply {
  const info = SERVICES[service];
  const type = status >= 500 ? 'Receiver' : 'Sender';
  switch (info.protocol) {
    case 'ec2Query':
      return {
        status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${REQUEST_ID}</RequestID></Response>`,
      };
    case 'awsQuery':
      return {
        status,
        headers: { 'content-type': 'text/xml' },
        body: `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${REQUEST_ID}</RequestId></ErrorResponse>`,
      };
    case 'awsJson1_0-query-compatible':
      return {
        status,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${code};${type}` },
        body: JSON.stringify({ __type: `${'namespace' in info ? info.namespace : ''}#${code}`, message }),
      };
    case 'awsJson1_1':
      return { status, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ __type: code, message }) };
    case 'restXml':
      return {
        status,
        headers: { 'content-type': 'application/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>${REQUEST_ID}</RequestId></Error>`,
      };
    case 'restJson1':
      return { status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazonaws.securityhub/` }, body: JSON.stringify({ Code: code, Message: message }) };
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one call per service, each with its own client type
const CALLS: Record<Service, (config: object) => Promise<unknown>> = {
  EC2: (c) => new ec2.EC2Client(c).send(new ec2.DescribeInstancesCommand({})),
  AutoScaling: (c) => new autoScaling.AutoScalingClient(c).send(new autoScaling.DescribeAutoScalingGroupsCommand({})),
  STS: (c) => new sts.STSClient(c).send(new sts.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111122223333:role/r', RoleSessionName: 's' })),
  CloudFormation: (c) => new cloudFormation.CloudFormationClient(c).send(new cloudFormation.DescribeStacksCommand({})),
  CloudWatch: (c) => new cloudWatch.CloudWatchClient(c).send(new cloudWatch.GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(0), EndTime: new Date(1) })),
  ConfigService: (c) => new config.ConfigServiceClient(c).send(new config.PutEvaluationsCommand({ ResultToken: 't' })),
  CloudTrail: (c) => new cloudTrail.CloudTrailClient(c).send(new cloudTrail.DescribeTrailsCommand({})),
  Organizations: (c) => new organizations.OrganizationsClient(c).send(new organizations.DescribeAccountCommand({ AccountId: '111122223333' })),
  SecurityHub: (c) => new securityHub.SecurityHubClient(c).send(new securityHub.GetFindingsCommand({})),
  S3: (c) => new s3.S3Client(c).send(new s3.GetObjectCommand({ Bucket: 'imds-guard-state', Key: 'imds-guard/state/x' })),
};

/** Each client package, where the modeled errors' schemas (`<Class>$`) are exported. */
const PACKAGES: Record<Service, Record<string, unknown>> = {
  EC2: ec2,
  AutoScaling: autoScaling,
  STS: sts,
  CloudFormation: cloudFormation,
  CloudWatch: cloudWatch,
  ConfigService: config,
  CloudTrail: cloudTrail,
  Organizations: organizations,
  SecurityHub: securityHub,
  S3: s3,
};

/** What `service`'s client throws when AWS answers with `reply` (one attempt, no network). */
async function deserialized(service: Service, reply: Reply, fromAws = true): Promise<Error> {
  const headers = fromAws ? { 'x-amzn-requestid': REQUEST_ID, ...reply.headers } : reply.headers;
  const requestHandler = {
    handle: async () => ({
      response: new HttpResponse({ statusCode: reply.status, headers, body: Readable.from([Buffer.from(reply.body)]) }),
    }),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1, requestHandler };
  try {
    await CALLS[service](config);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${service}: the reply did not fail the call`);
}

/** The fields classification and wording read, and the body fields the deserializer copies. */
function shape(error: Error): Record<string, unknown> {
  const e = error as Error & Record<string, unknown>;
  const md = e.$metadata as { httpStatusCode?: number; requestId?: string; attempts?: number } | undefined;
  return {
    class: error.constructor.name,
    name: e.name,
    $fault: e.$fault,
    httpStatusCode: md?.httpStatusCode,
    requestId: md?.requestId,
    attempts: md?.attempts,
    message: e.message,
    Code: e.Code,
    Type: e.Type,
    Error: e.Error,
    __type: e.__type,
    awsCode: awsCode(error),
    retryable: isRetryableError(error),
  };
}

const entries = (Object.keys(KNOWN) as Service[]).flatMap((service) => Object.entries(KNOWN[service]).map(([code, known]) => [service, code, known.status] as const));

describe('awsError is the error the SDK throws for the same reply', () => {
  it.each(entries)('%s %s (HTTP %i)', async (service, code, status) => {
    const message = `words for ${code}`;
    const real = await deserialized(service, wireReply(service, code, message, status));
    const ours = awsError(service, code, message, { requestId: REQUEST_ID });
    expect(shape(ours)).toEqual(shape(real));
    expect(ours).toBeInstanceOf(real.constructor);
    expect(ours).toBeInstanceOf(SERVICES[service].base);
  });

  it('a modeled code has the status its service model gives it (the httpError trait; without one, a status of its fault class)', () => {
    const modeled = (Object.keys(KNOWN) as Service[]).flatMap((service) =>
      Object.entries(KNOWN[service]).flatMap(([code, known]) => (known.modeled ? [{ service, code, known, modeled: known.modeled }] : [])),
    );
    expect(modeled.length).toBeGreaterThan(10);
    for (const { service, code, known, modeled: cls } of modeled) {
      const schema = PACKAGES[service][`${cls.name}$`] as [number, string, string, { error?: string; httpError?: number }] | undefined;
      expect(schema, `${service} ${code}: no schema ${cls.name}$`).toBeDefined();
      const traits = schema![3];
      if (traits.httpError !== undefined) expect({ code, status: known.status }).toEqual({ code, status: traits.httpError });
      else expect({ code, fault: known.status >= 500 ? 'server' : 'client' }).toEqual({ code, fault: traits.error });
    }
  });

  it('refuses a code with no recorded status', () => {
    expect(() => awsError('EC2', 'NoSuchCode', 'x')).toThrow(/no HTTP status recorded for EC2 NoSuchCode/);
  });

  it('the table covers every status class it claims: 4xx permission, 4xx throttling, 5xx', () => {
    const statuses = new Set(entries.map(([, , status]) => status));
    for (const status of [400, 401, 403, 429, 500, 503]) expect(statuses).toContain(status);
  });
});

describe('unreadableReply is what the SDK throws for a page that is not an AWS reply', () => {
  it.each([
    ['CloudWatch', 504, 'text/plain', 'Gateway Timeout'],
    ['SecurityHub', 502, 'text/plain', 'Bad Gateway'],
    ['EC2', 403, 'text/plain', 'Forbidden'],
    ['AutoScaling', 503, 'text/plain', 'Service Unavailable'],
    ['EC2', 502, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['STS', 403, 'text/html', '<html><body>Access denied by the proxy</body></html>'],
  ] as const)('%s HTTP %i %s', async (service, status, contentType, body) => {
    // A proxy's page: no AWS request id.
    const real = await deserialized(service, { status, headers: { 'content-type': contentType }, body }, false);
    const ours = unreadableReply(service, status, contentType, body);
    const read = (e: Error) => ({ ...shape(e), $response: { statusCode: (e as { $response?: { statusCode?: number } }).$response?.statusCode }, described: describeError(e) });
    expect(read(ours)).toEqual(read(real));
  });
});
