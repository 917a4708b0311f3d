/**
 * AWS SDK clients for one region, built the standard way so that the usual
 * environment applies: credentials chain, AWS_PROFILE, AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE.
 *
 * On top of the SDK defaults, every client
 * - gives up on a silent endpoint: connection and request timeouts
 *   (IMDS_GUARD_REQUEST_TIMEOUT_MS, read when the client is built), and a
 *   timed-out call is tried at most TIMEOUT_ATTEMPTS times, so one call
 *   against an endpoint that never answers ends in about 3 × the timeout;
 * - says who it is: `userAgentAppId` `imds-guard/<version>` is in the
 *   User-Agent, which CloudTrail records as `userAgent`;
 * - names the call on its errors (service, operation, time taken), for
 *   shared/errors.ts `describeError`;
 * - refuses a reply whose body is an HTML page (a proxy, a captive portal) or
 *   neither XML nor JSON, judged on the body (reply-body.ts), not on the
 *   content-type header: the SDK would read an EC2 200 HTML page as an empty
 *   result, while an emulator's JSON labelled text/html is a real answer.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from '@smithy/types';
import pkg from '../../package.json' with { type: 'json' };
import { NotAwsReplyError } from '../errors.js';
import type { Credentials } from './sts.js';
import { judgeReplyBody } from './reply-body.js';
import { smallerPageNext } from './pages.js';

export interface Clients {
  region: string;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  config: ConfigServiceClient;
  securityHub: SecurityHubClient;
  cloudWatch: CloudWatchClient;
}

/** Throttling is common in a launch storm: retry more than the SDK default of 3, unless the user set it. */
const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * No answer within 10 s: an EC2/Auto Scaling/CloudWatch/Security Hub call
 * that is merely slow answers in well under that (a 1000-instance
 * DescribeInstances page takes 1–3 s); 3 tries × 10 s + backoff ≈ 31 s, so a
 * silent endpoint ends a CLI run in about half a minute.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** TCP connect; a reachable AWS endpoint connects in milliseconds. */
const MAX_CONNECTION_TIMEOUT_MS = 3_000;
/** A call that timed out is tried at most this often in all (a throttled one keeps maxAttempts). */
export const TIMEOUT_ATTEMPTS = 3;

export const USER_AGENT_APP_ID = `imds-guard/${pkg.version}`;

/** IMDS_GUARD_REQUEST_TIMEOUT_MS, or the default when unset or not a positive number. */
export function requestTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env.IMDS_GUARD_REQUEST_TIMEOUT_MS?.trim();
  const value = raw ? Number(raw) : NaN;
  return Number.isFinite(value) && value > 0 ? Math.round(value) : DEFAULT_REQUEST_TIMEOUT_MS;
}

export interface ClientConfig {
  region: string;
  maxAttempts?: number;
  userAgentAppId: string;
  requestHandler: NodeHttpHandler;
}

/** The constructor settings every client gets; read at each call so a CLI flag set before applies. */
export function clientConfig(region: string): ClientConfig {
  const timeout = requestTimeoutMs();
  const requestHandler = new NodeHttpHandler({
    connectionTimeout: Math.min(timeout, MAX_CONNECTION_TIMEOUT_MS),
    requestTimeout: timeout,
    // Without this the SDK only logs a warning when requestTimeout passes, and waits on.
    throwOnRequestTimeout: true,
  });
  const base = { region, userAgentAppId: USER_AGENT_APP_ID, requestHandler };
  return process.env.AWS_MAX_ATTEMPTS ? base : { ...base, maxAttempts: DEFAULT_MAX_ATTEMPTS };
}

/** The SDK's retry strategy, but a timed-out call stops after TIMEOUT_ATTEMPTS tries. */
function boundTimeouts(inner: RetryStrategyV2): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: (scope) => inner.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: async (token: StandardRetryToken, info: RetryErrorInfo) => {
      // Rejecting here makes the SDK's retry middleware throw the call's last error.
      // A listing page with a smaller size left is asked again smaller instead (pages.ts).
      if (isTimeout(info.error) && (smallerPageNext(info.error) || token.getRetryCount() + 1 >= TIMEOUT_ATTEMPTS)) throw info.error;
      return inner.refreshRetryTokenForRetry(token, info);
    },
    recordSuccess: (token) => inner.recordSuccess(token),
  };
}

function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';
}

interface Instrumentable {
  config: { retryStrategy: () => Promise<unknown> };
  middlewareStack: {
    add(middleware: unknown, options: { step: string; name: string; priority?: string; override?: boolean }): void;
  };
}

function contentType(response: unknown): string {
  const headers = (response as { headers?: Record<string, string> } | undefined)?.headers ?? {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === 'content-type') return String(v).split(';')[0]!.trim().toLowerCase();
  return '';
}

interface RawResponse {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The whole body of a raw reply; `undefined` when it is not something this can read (left as it is). */
async function readBody(body: unknown): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<string | Uint8Array>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Reads the raw reply before the SDK parses it and refuses it when its body
 * cannot be an AWS reply; otherwise hands the SDK the same bytes as a stream.
 * Only for clients whose replies are read whole anyway (no streaming output).
 */
async function checkReply(response: RawResponse): Promise<void> {
  const bytes = await readBody(response.body);
  if (bytes === undefined) return;
  const type = contentType(response);
  const verdict = judgeReplyBody(bytes.toString('utf8', 0, Math.min(bytes.length, 4096)), type);
  if (!verdict.ok) throw new NotAwsReplyError(response.statusCode, type, undefined, verdict.what);
  response.body = Readable.from([bytes]);
}

/** Timeout bound, error annotation and the HTML check on one client (any SDK v3 client). */
export function instrument<C>(client: C, timeoutMs: number): C {
  const c = client as unknown as Instrumentable;
  // The retry middleware reads `config.retryStrategy()` on every call; wrapping it
  // keeps the SDK's own strategy (AWS_RETRY_MODE, max_attempts in the profile).
  const original = c.config.retryStrategy;
  let bound: Promise<RetryStrategyV2> | undefined;
  c.config.retryStrategy = () => (bound ??= original().then((s) => boundTimeouts(s as RetryStrategyV2)));

  c.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => async (args: unknown) => {
      const started = Date.now();
      try {
        return await next(args);
      } catch (error) {
        if (typeof error === 'object' && error !== null && !('$operation' in error)) {
          Object.assign(error, {
            $service: context.clientName?.replace(/Client$/, ''),
            $operation: context.commandName?.replace(/Command$/, ''),
            $elapsedMs: Date.now() - started,
            $timeoutMs: timeoutMs,
          });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'imdsGuardAnnotateErrors', priority: 'high', override: true },
  );

  // Low priority in the deserialize step: between the SDK's deserializer and the HTTP handler, so
  // it sees the raw reply of every attempt (inside the retry middleware: a 5xx page is retried).
  c.middlewareStack.add(
    (next: (args: unknown) => Promise<{ response: unknown }>) => async (args: unknown) => {
      const out = await next(args);
      // AWS APIs answer XML or JSON, never HTML; EC2 would read a 200 HTML page as "no instances".
      await checkReply(out.response as RawResponse);
      return out;
    },
    { step: 'deserialize', name: 'imdsGuardRefuseHtml', priority: 'low', override: true },
  );
  return client;
}

/**
 * Clients for one region; with `credentials` (an assumed role, shared/aws/sts.ts)
 * instead of the default chain. Endpoints, retries and timeouts resolve as always.
 */
export function createClients(region: string, credentials?: Credentials): Clients {
  const config = credentials ? { ...clientConfig(region), credentials } : clientConfig(region);
  const timeout = requestTimeoutMs();
  return {
    region,
    ec2: instrument(new EC2Client(config), timeout),
    autoScaling: instrument(new AutoScalingClient(config), timeout),
    config: instrument(new ConfigServiceClient(config), timeout),
    securityHub: instrument(new SecurityHubClient(config), timeout),
    cloudWatch: instrument(new CloudWatchClient(config), timeout),
  };
}

/** One client of any other service, with the same settings (endpoint, timeouts, retries, user agent). */
export function createClient<C>(Client: new (config: ClientConfig) => C, region: string): C {
  return instrument(new Client(clientConfig(region)), requestTimeoutMs());
}

/** STS for the CLI's identity check. */
export function createStsClient(region: string): STSClient {
  return createClient(STSClient, region);
}
