/**
 * Errors, once: the base class of imds-guard's own errors, the AWS error code
 * of an SDK error, and ONE way to turn any error into words (`describeError`
 * for structured parts, `errorText` for a line, `errorFields` for a log line).
 * The CLI, the logs, the remediation notes and the sinks all use these.
 *
 * SDK errors arrive annotated by shared/aws/clients.ts (service, operation,
 * time taken, the request timeout), so a timed-out call reads
 * "EC2 DescribeInstances: no answer within 10000 ms (3 attempts, 30.4 s)".
 */

/** Base of every error imds-guard throws on purpose. */
export class ImdsGuardError extends Error {
  override name = 'ImdsGuardError';
}

/** An HTTP reply that is not from AWS (an HTML page from a proxy, a captive portal, a wrong endpoint). */
export class NotAwsReplyError extends ImdsGuardError {
  override name = 'NotAwsReply';
  readonly $metadata: { httpStatusCode?: number };
  /** `what`: the body in words (default: `a <content type> body`). */
  constructor(
    readonly status: number | undefined,
    readonly contentType: string,
    cause?: unknown,
    what = `a ${contentType || 'non-AWS'} body`,
  ) {
    super(
      `HTTP ${status ?? '?'} with ${what}, not an AWS reply (a proxy, a captive portal or a wrong endpoint URL?)`,
      cause === undefined ? undefined : { cause },
    );
    // Keeps the SDK's retry classification: a 502/503/504 page is retried like any 5xx.
    this.$metadata = status === undefined ? {} : { httpStatusCode: status };
  }
}

/** What shared/aws/clients.ts attaches to an error thrown by a client call. */
export interface CallAnnotation {
  /** `EC2`, `AutoScaling`, `SecurityHub`, … */
  $service?: string;
  /** `DescribeInstances`, … */
  $operation?: string;
  /** Wall time of the call, retries included. */
  $elapsedMs?: number;
  /** The request timeout the client had. */
  $timeoutMs?: number;
}

/** The AWS error code of an SDK v3 error (`name`, or `Code` for some query-protocol errors). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; Code?: unknown; code?: unknown };
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return undefined;
}

/** Every error in an error's `cause` chain, outermost first. */
export function errorChain(error: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && out.length < 10 && !out.includes(current)) {
    out.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return out;
}

/** Our wrappers; the code people want is the one underneath. */
const WRAPPERS = new Set(['AwsCallError', 'ImdsGuardError']);

/** The innermost AWS error code in the chain (AwsCallError wraps the SDK error as `cause`). */
export function awsCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (const e of errorChain(error)) {
    // Below a NotAwsReply there is only the SDK's failed attempt to parse the page.
    if (e instanceof NotAwsReplyError) return e.name;
    const c = errorCode(e);
    if (c !== undefined && !WRAPPERS.has(c)) code = c;
  }
  return code;
}

function plainMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

function first<T>(chain: unknown[], read: (e: Record<string, unknown>) => T | undefined): T | undefined {
  for (const e of chain) {
    if (typeof e !== 'object' || e === null) continue;
    const value = read(e as Record<string, unknown>);
    if (value !== undefined) return value;
  }
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function statusOf(chain: unknown[]): number | undefined {
  return first(chain, (e) => num((e.$metadata as { httpStatusCode?: unknown } | undefined)?.httpStatusCode) ?? num((e.$response as { statusCode?: unknown } | undefined)?.statusCode));
}

function contentTypeOf(chain: unknown[]): string | undefined {
  return first(chain, (e) => {
    const headers = (e.$response as { headers?: Record<string, unknown> } | undefined)?.headers;
    if (!headers) return undefined;
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === 'content-type') return str(v)?.split(';')[0]?.trim();
    return undefined;
  });
}

/** A body the SDK could not read as an AWS reply: `Unknown`/`UnknownError`, or a parser's own error. */
function unreadableReply(chain: unknown[]): boolean {
  return chain.some((e) => {
    if (typeof e !== 'object' || e === null || !('$response' in e)) return false;
    const name = errorCode(e);
    const message = plainMessage(e);
    return name === 'Unknown' || name === 'UnknownError' || name === 'SyntaxError' || /Deserialization error|not valid JSON|XML|parse/i.test(message);
  });
}

const REGION_HINTS: Record<string, string> = {
  AuthFailure: 'the region may not be enabled for this account (opt-in region), or the credentials are not valid there',
  UnrecognizedClientException: 'the region may not be enabled for this account (opt-in region)',
  OptInRequired: 'the region is not enabled for this account (opt-in region)',
  InvalidClientTokenId: 'the region may not be enabled for this account (opt-in region)',
};

export const PERMISSION_CODES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'Blocked',
]);

/** Node.js socket errors: nothing reached AWS (the SDK retries them as transient first). */
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

const TIMEOUT_HINT =
  'the endpoint accepted the connection but did not answer in time: check the network, proxy or AWS_ENDPOINT_URL; raise IMDS_GUARD_REQUEST_TIMEOUT_MS (CLI: --request-timeout) if the calls are only slow';

export interface ErrorInfo {
  code?: string;
  /** `EC2`, `SecurityHub`, … when the call was made by a client from shared/aws/clients.ts. */
  service?: string;
  operation?: string;
  /** HTTP status, when there was a reply. */
  status?: number;
  /** The service's message, or what happened when there was none worth reading. */
  message: string;
  /** What it probably means, when we know. */
  hint?: string;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Code, service, operation, message and a hint, for people. */
export function describeError(error: unknown): ErrorInfo {
  const chain = errorChain(error);
  const info: ErrorInfo = { message: plainMessage(chain[chain.length - 1] ?? error) };
  const code = awsCode(error);
  if (code !== undefined) info.code = code;
  const service = first(chain, (e) => str(e.$service));
  if (service !== undefined) info.service = service;
  const operation = first(chain, (e) => str(e.$operation) ?? (e.name === 'AwsCallError' ? str(e.operation) : undefined));
  if (operation !== undefined) info.operation = operation;
  const status = statusOf(chain);
  if (status !== undefined) info.status = status;

  const notAws = chain.find((e): e is NotAwsReplyError => e instanceof NotAwsReplyError);
  // node-http-handler: name TimeoutError, code ETIMEDOUT (request) or none (connect, socket idle).
  if (chain.some((e) => e instanceof Error && e.name === 'TimeoutError')) {
    info.code = 'TimeoutError';
    const timeoutMs = first(chain, (e) => num(e.$timeoutMs));
    const elapsedMs = first(chain, (e) => num(e.$elapsedMs));
    const attempts = first(chain, (e) => num((e.$metadata as { attempts?: unknown } | undefined)?.attempts));
    const facts = [attempts !== undefined ? `${attempts} attempt${attempts === 1 ? '' : 's'}` : undefined, elapsedMs !== undefined ? seconds(elapsedMs) : undefined]
      .filter(Boolean)
      .join(', ');
    info.message = `no answer within ${timeoutMs !== undefined ? `${timeoutMs} ms` : 'the request timeout'}${facts ? ` (${facts})` : ''}`;
    info.hint = TIMEOUT_HINT;
  } else if (info.code !== undefined && NETWORK_CODES.has(info.code)) {
    info.message = `cannot reach the endpoint (${info.message})`;
    info.hint = 'check the network, the proxy settings (HTTPS_PROXY) or AWS_ENDPOINT_URL';
  } else if (notAws) {
    info.message = notAws.message;
  } else if (unreadableReply(chain)) {
    const type = contentTypeOf(chain);
    info.code = 'NotAwsReply';
    info.message = `HTTP ${status ?? '?'}${type ? ` with a ${type} body` : ''} that is not an AWS reply (a proxy, a captive portal or a wrong endpoint URL?)`;
  }
  if (info.hint === undefined && info.code !== undefined) {
    const hint = REGION_HINTS[info.code] ?? (PERMISSION_CODES.has(info.code) ? 'check the IAM permissions listed in the README' : undefined);
    if (hint) info.hint = hint;
  }
  return info;
}

/** `Service Operation: Code: message (hint)` on one line — the text of an error wherever people read it. */
export function errorText(error: unknown, options: { hint?: boolean; where?: boolean } = {}): string {
  const info = describeError(error);
  const where = options.where === false ? '' : [info.service, info.operation].filter(Boolean).join(' ');
  const code = info.code && info.code !== 'NotAwsReply' && !info.message.startsWith(info.code) ? `${info.code}: ` : '';
  return `${where ? `${where}: ` : ''}${code}${info.message}${options.hint !== false && info.hint ? ` (${info.hint})` : ''}`;
}

/** Error details for a structured log line, without stack noise for AWS service errors. */
export function errorFields(error: unknown): Record<string, unknown> {
  const info = describeError(error);
  const chain = errorChain(error);
  const requestId = first(chain, (e) => str((e.$metadata as { requestId?: unknown } | undefined)?.requestId));
  const attempts = first(chain, (e) => num((e.$metadata as { attempts?: unknown } | undefined)?.attempts));
  const elapsedMs = first(chain, (e) => num(e.$elapsedMs));
  return {
    errorName: error instanceof Error ? error.name : typeof error,
    // An AwsCallError already says which call on what (ids, names); keep those words.
    errorMessage: error instanceof Error && error.name === 'AwsCallError' ? plainMessage(error) : errorText(error, { hint: false }),
    ...(info.code ? { errorCode: info.code } : {}),
    ...(info.service ? { service: info.service } : {}),
    ...(info.operation ? { operation: info.operation } : {}),
    ...(info.status !== undefined ? { httpStatusCode: info.status } : {}),
    ...(requestId ? { requestId } : {}),
    ...(attempts !== undefined ? { attempts } : {}),
    ...(elapsedMs !== undefined ? { elapsedMs } : {}),
  };
}
