/**
 * The CLI end to end with the real SDK clients (no mocks) against local
 * sockets: an endpoint that never answers ends the run with a clear message
 * in seconds; an unknown --profile is named as such.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TIMEOUT_ATTEMPTS } from '../../shared/aws/clients.js';
import { htmlServer, listenLocally, silentServer, withEndpoint } from '../support/sockets.js';
import { run } from './harness.js';

const KEYS = ['IMDS_GUARD_REQUEST_TIMEOUT_MS', 'AWS_ENDPOINT_URL', 'AWS_MAX_ATTEMPTS'] as const;
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('imds-guard against an endpoint that never answers', () => {
  it('ends in seconds, naming the service, the operation and how long it waited (exit 2)', async () => {
    await withEndpoint(await silentServer(), async (server) => {
      // What --request-timeout does: set before any client is built.
      process.env.IMDS_GUARD_REQUEST_TIMEOUT_MS = '250';
      const started = Date.now();
      const r = await run(['scan', '--region', 'us-east-1']);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        new RegExp(`^imds-guard: cannot identify the caller with STS GetCallerIdentity: TimeoutError: no answer within 250 ms \\(${TIMEOUT_ATTEMPTS} attempts, \\d+\\.\\d s\\)`),
      );
      expect(r.stderr).toContain('IMDS_GUARD_REQUEST_TIMEOUT_MS');
      expect(server.connections).toBe(TIMEOUT_ATTEMPTS);
    });
  });
});

describe('imds-guard behind a proxy that answers with an HTML page', () => {
  it('says HTTP 502 and which call, not a parser error', async () => {
    await withEndpoint(await htmlServer(502), async () => {
      process.env.AWS_MAX_ATTEMPTS = '1';
      const r = await run(['scan', '--region', 'us-east-1']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('GetCallerIdentity');
      expect(r.stderr).toContain('HTTP 502 with a text/html body, not an AWS reply');
      expect(r.stderr).not.toMatch(/Unknown|Deserialization|XML/);
    });
  });
});

describe('--profile', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function files(): Record<string, string> {
    dir = mkdtempSync(join(tmpdir(), 'imds-guard-profile-'));
    const config = join(dir, 'config');
    const credentials = join(dir, 'credentials');
    writeFileSync(config, '[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n');
    writeFileSync(credentials, '[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
    return { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
  }

  it('an unknown profile is named, in the SDK words, before any call (exit 2)', async () => {
    const env = files();
    const r = await run(['scan', '--profile', 'nope', '--region', 'us-east-1'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('imds-guard: Could not resolve credentials using profile: [nope] in configuration/credentials file(s)');
    expect(r.stderr).toContain(`the profile "nope" is not in ${env.AWS_CONFIG_FILE} or ${env.AWS_SHARED_CREDENTIALS_FILE}`);
    expect(r.stderr).not.toContain('Could not load credentials from any providers');
  });

  it('AWS_PROFILE naming an unknown profile gets the same message', async () => {
    const r = await run(['scan', '--region', 'us-east-1'], { env: { ...files(), AWS_PROFILE: 'typo' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[typo]');
  });

  it('a profile that exists passes the check (then fails only on the unreachable endpoint)', async () => {
    await withEndpoint(await silentServer(), async () => {
      process.env.IMDS_GUARD_REQUEST_TIMEOUT_MS = '100';
      process.env.AWS_MAX_ATTEMPTS = '1';
      const r = await run(['scan', '--profile', 'dev', '--region', 'us-east-1'], { env: files() });
      expect(r.stderr).not.toContain('Could not resolve credentials using profile');
      expect(r.stderr).toContain('TimeoutError');
    });
  });
});

describe('imds-guard when STS answers but EC2 sits behind a proxy page', () => {
  it('the region fails with the HTTP status and the call, the run goes on to the report', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (body.includes('Action=GetCallerIdentity')) {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
              '<Arn>arn:aws:iam::111122223333:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account>' +
              '</GetCallerIdentityResult><ResponseMetadata><RequestId>0c6f3d0e-0000-4000-8000-000000000001</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
          );
          return;
        }
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      });
    });
    const endpoint = { url: await listenLocally(server), close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    await withEndpoint(endpoint, async () => {
      process.env.AWS_MAX_ATTEMPTS = '1';
      const r = await run(['scan', '--region', 'us-east-1', '--kind', 'instance']);
      expect(r.stdout).toContain('us-east-1');
      expect(r.stdout.replace(/\s+/g, ' ')).toContain('NotAwsReply on EC2 DescribeInstances (region): HTTP 502 with a text/html body, not an AWS reply');
      expect(r.code).toBe(2); // every region failed
    });
  });
});
