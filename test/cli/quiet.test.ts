/**
 * The CLI as a process: the AWS SDK's NodeVersionSupportWarning (Node < 22)
 * stays out of its output, and nothing else is hidden.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { silentServer } from '../support/sockets.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const nodeMajor = Number(process.versions.node.split('.')[0]);

/** The environment without the SDK switch that vitest.config.ts sets for the tests themselves. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete e.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return e;
}

async function stderrOf(args: string[], extra: Record<string, string>): Promise<string> {
  const out = await run(process.execPath, args, { cwd: root, env: env(extra), timeout: 30_000 }).catch((e: { stderr?: string }) => e);
  return String(out.stderr ?? '');
}

describe('the CLI process', () => {
  it.runIf(nodeMajor < 22)('without the switch, building an SDK client on this Node prints the warning (the control)', async () => {
    const stderr = await stderrOf(['--input-type=module', '-e', "import { EC2Client } from '@aws-sdk/client-ec2'; new EC2Client({ region: 'us-east-1' });"], {});
    expect(stderr).toContain('NodeVersionSupportWarning');
  });

  it('prints no NodeVersionSupportWarning, but still its own error', async () => {
    const server = await silentServer();
    try {
      const stderr = await stderrOf(['--import', 'tsx', 'cli/main.ts', 'scan', '--region', 'us-east-1'], {
        AWS_ENDPOINT_URL: server.url,
        IMDS_GUARD_REQUEST_TIMEOUT_MS: '100',
        AWS_MAX_ATTEMPTS: '1',
      });
      expect(stderr).not.toContain('NodeVersionSupportWarning');
      expect(stderr).toContain('imds-guard: cannot identify the caller with STS GetCallerIdentity: TimeoutError');
    } finally {
      await server.close();
    }
  });
});
