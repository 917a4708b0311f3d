/**
 * `--debug`: the shared engine's Powertools logs at DEBUG level and one line
 * per AWS request, all on stderr (stdout stays the report, so
 * `scan --output json --debug > report.json` still gives valid JSON).
 *
 * The request line comes from a small SDK middleware (finalizeRequest step,
 * after retries are decided, so every attempt is one line): service,
 * operation, region, HTTP status and time taken.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import type { Clients } from '../shared/aws/clients.js';
import { logger } from '../shared/observability/log.js';

type Writer = { write(text: string): unknown };

interface Stackable {
  middlewareStack: { add(middleware: unknown, options: { step: 'finalizeRequest'; name: string; override?: boolean }): void };
}

export const REQUEST_LOG_MIDDLEWARE = 'imdsGuardDebugRequestLog';

/** Adds the request-log middleware to one client (idempotent). */
export function logRequests<T>(client: T, out: Writer, region: string, now: () => number = Date.now): T {
  const c = client as unknown as Stackable;
  c.middlewareStack.add(
    (next: (args: unknown) => Promise<{ response?: { statusCode?: number } }>, context: { clientName?: string; commandName?: string }) =>
      async (args: unknown) => {
        const started = now();
        const what = `${(context.clientName ?? 'AWS').replace(/Client$/, '')} ${(context.commandName ?? '').replace(/Command$/, '')} ${region}`;
        try {
          const result = await next(args);
          out.write(`debug: ${what} → ${result.response?.statusCode ?? '?'} in ${now() - started} ms\n`);
          return result;
        } catch (error) {
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          out.write(`debug: ${what} → ${error instanceof Error ? error.name : 'error'}${status ? ` (HTTP ${status})` : ''} in ${now() - started} ms\n`);
          throw error;
        }
      },
    { step: 'finalizeRequest', name: REQUEST_LOG_MIDDLEWARE, override: true },
  );
  return client;
}

export function logClients(clients: Clients, out: Writer): Clients {
  for (const key of ['ec2', 'autoScaling', 'config', 'securityHub', 'cloudWatch'] as const) logRequests(clients[key], out, clients.region);
  return clients;
}

/** Powertools logs at DEBUG, to stderr (its Console would send debug and info to stdout). */
export function debugLogging(env: Record<string, string | undefined>, err: Writer): void {
  env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  logger.setLogLevel('DEBUG');
  // Console needs a real stream; this one forwards to the CLI's stderr (a plain writer in tests).
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      err.write(chunk.toString());
      done();
    },
  });
  Object.assign(logger, { console: new Console({ stdout: stream, stderr: stream }) });
}
