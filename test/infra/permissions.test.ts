/**
 * Every SDK command a function can send is granted to its role, and nothing
 * else is. "Can send" is read from the function's own bundle: esbuild's
 * metafile lists each `@aws-sdk/client-*` command module that ended up in the
 * output (tree-shaken, as deployed). The SDK's own credential clients
 * (`@aws-sdk/nested-clients`: STS, SSO) are not calls of ours.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HUB } from '../../infra/hub.js';
import type { Statement } from '../../infra/model.js';
import { FUNCTIONS } from '../../infra/functions.js';
import { MEMBER_STACK } from '../../infra/stack.js';
import { PREFLIGHT_PERMISSIONS } from '../../shared/aws/preflight.js';
import { FUNCTION_BUILD_OPTIONS } from '../../scripts/build.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** IAM service prefix of each SDK client package. */
const SERVICE: Record<string, string> = {
  'client-ec2': 'ec2',
  'client-auto-scaling': 'autoscaling',
  'client-cloudwatch': 'cloudwatch',
  'client-config-service': 'config',
  'client-securityhub': 'securityhub',
  'client-sts': 'sts',
  'client-organizations': 'organizations',
  'client-s3': 's3',
  'client-cloudtrail': 'cloudtrail',
  'client-lambda': 'lambda',
  'client-cloudformation': 'cloudformation',
};

/** Permissions AWS checks on top of a call's own (authorization of what the call asks for). */
const IMPLIED: Record<string, string[]> = {
  // TagSpecifications on the new template are authorised as ec2:CreateTags.
  'ec2:CreateLaunchTemplate': ['ec2:CreateTags'],
  // Pointing a group at a launch template: Auto Scaling checks the caller may launch from it and pass its role.
  'autoscaling:UpdateAutoScalingGroup': ['ec2:RunInstances', 'iam:PassRole'],
  // Without s3:ListBucket a missing state object reads as AccessDenied instead of NoSuchKey.
  's3:GetObject': ['s3:ListBucket'],
};

/**
 * What roles have besides their calls: their own logs, the DLQ for failed
 * asynchronous events, (events) the queue Lambda's event source mapping
 * polls with the function's role, and (Tracing=true) the X-Ray segments
 * Lambda sends with it.
 */
const RUNTIME = new Set([
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'sqs:SendMessage',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
]);

/** Commands a client bundles for itself: the S3 client's S3 Express session signer (directory buckets only; ours is a general-purpose bucket). */
const SDK_INTERNAL = new Set(['s3:CreateSession']);

/** A function's bundle, or any module's (`entry`: its path from the repository root). */
async function commandsInBundle(name: string, entry = join('functions', `${name}.ts`)): Promise<string[]> {
  const result = await build({
    ...FUNCTION_BUILD_OPTIONS,
    entryPoints: [join(ROOT, entry)],
    outfile: join(ROOT, 'dist', 'permissions-check', `${name}.mjs`),
    write: false,
    sourcemap: false,
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  const actions = new Set<string>();
  for (const [path, input] of Object.entries(output.inputs)) {
    const match = /@aws-sdk\/(client-[a-z0-9-]+)\/dist-es\/commands\/(\w+)Command\.js$/.exec(path);
    if (!match || input.bytesInOutput === 0) continue;
    const service = SERVICE[match[1]!];
    if (!service) throw new Error(`no IAM prefix for ${match[1]} (add it to SERVICE)`);
    const action = `${service}:${match[2]}`;
    if (SDK_INTERNAL.has(action)) continue;
    actions.add(action);
    for (const implied of IMPLIED[action] ?? []) actions.add(implied);
  }
  return [...actions].sort();
}

/** The actions of a role's statements, without the runtime ones. */
function granted(statements: readonly Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => s.actions).filter((a) => !RUNTIME.has(a)))].sort();
}

describe('function permissions match the calls in each bundle', () => {
  for (const fn of FUNCTIONS) {
    it(`${fn.name}: grants exactly what its bundle can send`, async () => {
      expect(granted(fn.statements)).toEqual(await commandsInBundle(fn.name));
    });
  }

  it(`hub ${HUB.function.name} and doctor --org: the hub's role grants what it sends itself, the member role the rest of its bundle and doctor's reads`, async () => {
    const bundle = await commandsInBundle(HUB.function.name);
    // Every call doctor makes is in shared/aws/preflight.ts; its declared statements name exactly those.
    const doctor = await commandsInBundle('doctor-preflight', join('shared', 'aws', 'preflight.ts'));
    expect(granted(Object.values(PREFLIGHT_PERMISSIONS).map((s) => ({ ...s, actions: [...s.actions], resources: [...s.resources] })))).toEqual(doctor);
    const hub = granted(HUB.statements);
    const member = granted(MEMBER_STACK.memberRole.statements);
    // The hub's own credentials: assume the member role, ask Organizations, note the selected findings.
    expect(hub).toEqual(['organizations:DescribeAccount', 'securityhub:BatchUpdateFindings', 'sts:AssumeRole']);
    // Everything else the bundle can send goes out with a member role's credentials; doctor reads a member
    // account with the same role; and the member role grants nothing more.
    expect(hub.filter((a) => member.includes(a))).toEqual([]);
    expect(member).toEqual([...new Set([...bundle.filter((a) => !hub.includes(a)), ...doctor])].sort());
    // Doctor's reads are all read-only.
    expect(doctor.every((a) => /:(Describe|Get|List)/.test(a))).toBe(true);
  });
});
