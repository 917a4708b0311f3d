import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/**
 * --endpoint-url, --request-timeout and --debug reach the SDK clients. The
 * endpoint test runs the real clients (no mocks) against a local HTTP server
 * on 127.0.0.1 that answers STS and EC2 in their query-protocol XML, so it
 * proves the flag changes where real requests go.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { STSClient } from '@aws-sdk/client-sts';
import type { Clients } from '../../shared/aws/clients.js';
import { createClients } from '../../shared/aws/clients.js';
import { REQUEST_LOG_MIDDLEWARE } from '../../cli/debug.js';
import type { ScanReport } from '../../cli/scan.js';
import { ACCOUNT, mockEstate, restore, run, smallEstate, type Mocks } from './harness.js';

let mocks: Mocks | undefined;
let server: Server | undefined;
const saved = { ...process.env };
afterEach(async () => {
  if (mocks) restore(mocks);
  mocks = undefined;
  if (server) await new Promise((done) => server?.close(done));
  server = undefined;
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
}

/** A tiny STS + EC2 stand-in: GetCallerIdentity and GetInstanceMetadataDefaults (shapes from the API references). */
async function fakeAws(): Promise<{ url: string; actions: string[] }> {
  const actions: string[] = [];
  server = createServer((req, res) => {
    void body(req).then((text) => {
      const action = new URLSearchParams(text).get('Action') ?? '?';
      actions.push(action);
      res.setHeader('content-type', 'text/xml');
      if (action === 'GetCallerIdentity') {
        res.end(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
            `<Arn>arn:aws:iam::${ACCOUNT}:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>${ACCOUNT}</Account>` +
            `</GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        );
      } else if (action === 'GetInstanceMetadataDefaults') {
        res.end(
          `<GetInstanceMetadataDefaultsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>` +
            `<accountLevel><httpTokens>required</httpTokens><httpPutResponseHopLimit>2</httpPutResponseHopLimit></accountLevel></GetInstanceMetadataDefaultsResponse>`,
        );
      } else {
        res.statusCode = 400;
        res.end(`<Response><Errors><Error><Code>InvalidAction</Code><Message>${action} not emulated</Message></Error></Errors><RequestID>x</RequestID></Response>`);
      }
    });
  });
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, actions };
}

describe('connection flags', () => {
  it('--endpoint-url sends every real SDK request to that URL', async () => {
    const aws = await fakeAws();
    delete process.env.AWS_ENDPOINT_URL;
    const r = await run(['scan', '--region', 'us-east-1', '--kind', 'account-defaults', '--output', 'json', '--endpoint-url', aws.url], {
      liveEnv: process.env,
      deps: { now: () => new Date('2026-05-01T12:00:00Z') },
    });
    expect(r.stderr).toBe('');
    expect(aws.actions).toEqual(['GetCallerIdentity', 'GetInstanceMetadataDefaults']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.account).toBe(ACCOUNT);
    expect(report.rows).toMatchObject([{ kind: 'account-defaults', compliance: 'COMPLIANT', httpTokens: 'required', hopLimit: 2 }]);
    expect(r.code).toBe(0);
  });

  it('--debug: one line per AWS request and the engine\'s debug logs on stderr; stdout stays the report', async () => {
    const aws = await fakeAws();
    const r = await run(['scan', '--region', 'us-east-1', '--kind', 'account-defaults', '--output', 'json', '--endpoint-url', aws.url, '--debug'], {
      liveEnv: process.env,
    });
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    expect(r.stderr).toMatch(/^debug: STS GetCallerIdentity us-east-1 → 200 in \d+ ms$/m);
    expect(r.stderr).toMatch(/^debug: EC2 GetInstanceMetadataDefaults us-east-1 → 200 in \d+ ms$/m);
    const logs = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; message: string });
    expect(logs.some((l) => l.message === 'verdict')).toBe(true);
    expect(process.env.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
  });

  it('--endpoint-url, --request-timeout and --profile are in the environment before the first client is built', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const seen: Record<string, string | undefined>[] = [];
    // One environment object shared with the CLI, as process.env is in real use.
    // The profile exists in the config file the CLI reads (a missing one stops the run before any client).
    const dir = mkdtempSync(join(tmpdir(), 'imds-guard-profile-'));
    writeFileSync(join(dir, 'config'), '[profile audit]\nregion = us-east-1\n');
    const env: Record<string, string | undefined> = {
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    };
    const look = (): Record<string, string | undefined> => ({ endpoint: env.AWS_ENDPOINT_URL, timeout: env.IMDS_GUARD_REQUEST_TIMEOUT_MS, profile: env.AWS_PROFILE });
    const r = await run(['scan', '--kind', 'instance', '--endpoint-url', 'https://ec2.internal.example:8443', '--request-timeout', '1500', '--profile', 'audit'], {
      liveEnv: env,
      deps: {
        clientsFor: (region: string): Clients => {
          seen.push(look());
          return createClients(region);
        },
        stsFor: (region: string) => {
          seen.push(look());
          return new STSClient({ region });
        },
      },
    });
    expect(r.code).toBe(1);
    expect(seen.length).toBeGreaterThan(1);
    for (const s of seen) expect(s).toMatchObject({ endpoint: 'https://ec2.internal.example:8443', timeout: '1500', profile: 'audit' });
  });

  it('--debug adds the request-log middleware to every client', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const built: Clients[] = [];
    await run(['scan', '--kind', 'instance', '--debug'], {
      deps: {
        clientsFor: (region: string) => {
          const c = createClients(region);
          built.push(c);
          return c;
        },
      },
    });
    expect(built.length).toBeGreaterThan(0);
    for (const c of built) {
      for (const client of [c.ec2, c.autoScaling, c.cloudWatch, c.config, c.securityHub]) {
        expect(client.middlewareStack.identify().some((m) => m.startsWith(REQUEST_LOG_MIDDLEWARE))).toBe(true);
      }
    }
  });
});
