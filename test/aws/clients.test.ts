/**
 * The real SDK clients against local sockets (no AWS, no internet): a server
 * that accepts and never answers, and a proxy that answers with an HTML page.
 */
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClients, createStsClient, DEFAULT_REQUEST_TIMEOUT_MS, requestTimeoutMs, TIMEOUT_ATTEMPTS, USER_AGENT_APP_ID } from '../../shared/aws/clients.js';
import { describeError, errorText } from '../../shared/errors.js';
import pkg from '../../package.json' with { type: 'json' };
import { htmlServer, silentServer, withEndpoint, type Silent } from '../support/sockets.js';

const saved = { ...process.env };
afterEach(() => {
  for (const key of ['IMDS_GUARD_REQUEST_TIMEOUT_MS', 'AWS_ENDPOINT_URL', 'AWS_MAX_ATTEMPTS']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe('request timeout setting', () => {
  it('reads IMDS_GUARD_REQUEST_TIMEOUT_MS, and falls back to the default on nonsense', () => {
    expect(requestTimeoutMs({})).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(requestTimeoutMs({ IMDS_GUARD_REQUEST_TIMEOUT_MS: '2500' })).toBe(2500);
    expect(requestTimeoutMs({ IMDS_GUARD_REQUEST_TIMEOUT_MS: 'soon' })).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(requestTimeoutMs({ IMDS_GUARD_REQUEST_TIMEOUT_MS: '-1' })).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
  });

  it('bounds a silent endpoint with the defaults to well under a minute', () => {
    // TIMEOUT_ATTEMPTS × timeout, plus the SDK's backoff (≤ 0.1 s + 0.2 s between the tries).
    expect(TIMEOUT_ATTEMPTS * DEFAULT_REQUEST_TIMEOUT_MS + 300).toBeLessThan(60_000);
  });
});

describe('a silent endpoint', () => {
  let server: Silent;
  beforeAll(async () => {
    server = await silentServer();
  });
  afterAll(() => server.close());

  it('fails a real EC2 call in seconds, tries it TIMEOUT_ATTEMPTS times, and says which call and after how long', async () => {
    process.env.IMDS_GUARD_REQUEST_TIMEOUT_MS = '300';
    process.env.AWS_ENDPOINT_URL = server.url;
    const before = server.connections;
    const clients = createClients('us-east-1'); // built after the setting: it is read at construction
    const started = Date.now();
    const error = await clients.ec2.send(new DescribeInstancesCommand({})).then(
      () => undefined,
      (e: unknown) => e,
    );
    const took = Date.now() - started;
    expect(error).toBeDefined();
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_ATTEMPTS * 300 - 50);
    expect(took).toBeLessThan(5_000);
    expect(server.connections - before).toBe(TIMEOUT_ATTEMPTS); // not the 8 attempts a throttled call gets
    const info = describeError(error);
    expect(info).toMatchObject({ code: 'TimeoutError', service: 'EC2', operation: 'DescribeInstances' });
    expect(info.message).toMatch(new RegExp(`^no answer within 300 ms \\(${TIMEOUT_ATTEMPTS} attempts, \\d+\\.\\d s\\)$`));
    expect(errorText(error)).toMatch(/^EC2 DescribeInstances: TimeoutError: no answer within 300 ms .*IMDS_GUARD_REQUEST_TIMEOUT_MS/);
  });

  it('applies to STS too (the CLI identity check)', async () => {
    process.env.IMDS_GUARD_REQUEST_TIMEOUT_MS = '200';
    process.env.AWS_ENDPOINT_URL = server.url;
    process.env.AWS_MAX_ATTEMPTS = '1';
    const error = await createStsClient('us-east-1')
      .send(new (await import('@aws-sdk/client-sts')).GetCallerIdentityCommand({}))
      .catch((e: unknown) => e);
    expect(describeError(error)).toMatchObject({ code: 'TimeoutError', service: 'STS', operation: 'GetCallerIdentity', message: expect.stringMatching(/^no answer within 200 ms \(1 attempt, /) });
  });
});

describe('a proxy answering with an HTML page', () => {
  it('names the HTTP status and the operation, not a parser error (EC2 query protocol, 502, retried as a 5xx)', async () => {
    await withEndpoint(await htmlServer(502), async (proxy) => {
      process.env.AWS_MAX_ATTEMPTS = '2';
      const error = await createClients('us-east-1').ec2.send(new DescribeInstancesCommand({})).catch((e: unknown) => e);
      expect(proxy.requests).toBe(2);
      expect(errorText(error)).toBe('EC2 DescribeInstances: HTTP 502 with a text/html body, not an AWS reply (a proxy, a captive portal or a wrong endpoint URL?)');
      expect(errorText(error)).not.toMatch(/Unknown|JSON|XML|Deserialization/);
    });
  });

  it('refuses a 200 HTML page that EC2 would otherwise read as "no instances"', async () => {
    await withEndpoint(await htmlServer(200), async (proxy) => {
      const result = await createClients('us-east-1').ec2.send(new DescribeInstancesCommand({})).then(
        (out) => ({ out }),
        (error: unknown) => ({ error }),
      );
      expect('error' in result && errorText(result.error)).toBe('EC2 DescribeInstances: HTTP 200 with a text/html body, not an AWS reply (a proxy, a captive portal or a wrong endpoint URL?)');
      expect(proxy.requests).toBe(1); // a 200 is not retried
    });
  });

  it('does the same for a JSON protocol service (Security Hub, 403)', async () => {
    await withEndpoint(await htmlServer(403), async (proxy) => {
      const error = await createClients('us-east-1').securityHub.send(new GetFindingsCommand({})).catch((e: unknown) => e);
      expect(describeError(error)).toMatchObject({ service: 'SecurityHub', operation: 'GetFindings', status: 403 });
      expect(errorText(error)).toMatch(/^SecurityHub GetFindings: HTTP 403 with a text\/html body, not an AWS reply/);
      expect(proxy.requests).toBe(1);
    });
  });

  it('every client says it is imds-guard in the User-Agent', async () => {
    await withEndpoint(await htmlServer(403), async (proxy) => {
      const clients = createClients('us-east-1');
      await clients.ec2.send(new DescribeInstancesCommand({})).catch(() => undefined);
      await clients.securityHub.send(new GetFindingsCommand({})).catch(() => undefined);
      expect(USER_AGENT_APP_ID).toBe(`imds-guard/${pkg.version}`);
      expect(proxy.userAgents).toHaveLength(2);
      // The SDK escapes '/' inside a User-Agent value: CloudTrail shows `app/imds-guard-<version>`.
      for (const ua of proxy.userAgents) expect(ua).toMatch(new RegExp(` app/imds-guard-${pkg.version.replace(/\./g, '\\.')}( |$)`));
    });
  });
});
