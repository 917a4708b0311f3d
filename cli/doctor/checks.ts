/**
 * Every check of one region of one account: each reads its facts through
 * shared/aws/preflight.ts and is judged by ./judge.ts. A check that cannot be
 * read becomes an `error` check saying which call failed and why, with the
 * permissions to grant (the statements declared beside the calls,
 * `PREFLIGHT_PERMISSIONS`); the others still run. Read through the member
 * role (`--org`), a denied check says the role is older than the reads it now
 * grants. Credential errors propagate.
 */
import type { Clients } from '../../shared/aws/clients.js';
import {
  accountDefaults,
  describeHub,
  describeRecorders,
  describeTrails,
  findStack,
  lambdaConcurrency,
  lastInvocation,
  publishedStage,
  securityControls,
  trailIsLogging,
  trailSelectors,
  PREFLIGHT_PERMISSIONS,
  type PreflightClients,
  type StackFacts,
} from '../../shared/aws/preflight.js';
import { describeError, isCredentialsError, isPermissionError } from '../errors.js';
import type { Progress } from '../progress.js';
import {
  CONTROL_IDS,
  judgeAccountDefault,
  judgeStage,
  judgeConcurrency,
  judgeConfig,
  judgeControls,
  judgeHub,
  judgeStack,
  judgeSweep,
  judgeTrail,
  LIVE,
  logsManagementWrites,
  type TrailState,
} from './judge.js';
import type { Check, CheckName, DoctorInput, Verdict } from './report.js';
import { describeKind, KIND_NAMES } from '../../shared/kinds/registry.js';
import { findingId } from '../../shared/findings/asff.js';
import { DEFAULT_POLICY, SETTINGS } from '../../shared/policy.js';

/** The kind that carries the stage on its finding (the account default), asked of the registry. */
function stageCarrierKind(): (typeof KIND_NAMES)[number] {
  const kind = KIND_NAMES.find((k) => describeKind(k).stageCarrier !== undefined);
  if (!kind) throw new Error('no kind carries the migration stage');
  return kind;
}

/** The IAM actions a check reads with, as its fix names them. */
export function checkPermissions(check: keyof typeof PREFLIGHT_PERMISSIONS): string {
  return PREFLIGHT_PERMISSIONS[check].actions.join(', ');
}

/**
 * One check's reading went wrong: AccessDenied etc. become an `error` check,
 * never a crash. `role`: the member role the account was read through.
 */
function failed(error: unknown, check: keyof typeof PREFLIGHT_PERMISSIONS, role?: string): Verdict {
  if (isCredentialsError(error)) throw error;
  const { code, message, operation } = describeError(error);
  const detail = `could not be read: ${code ? `${code}: ` : ''}${message}${operation ? ` (${operation})` : ''}`;
  const permissions = checkPermissions(check);
  if (role && isPermissionError(error)) {
    return {
      status: 'error',
      detail: `${detail}; the member role ${role} does not grant it here`,
      fix: `update this account's member stack (its role grants doctor's reads: ${permissions}), or run doctor with this account's own credentials`,
    };
  }
  return { status: 'error', detail, fix: `grant ${permissions}` };
}

async function guarded(read: () => Promise<Verdict>, check: keyof typeof PREFLIGHT_PERMISSIONS, role?: string): Promise<Verdict> {
  try {
    return await read();
  } catch (error) {
    return failed(error, check, role);
  }
}

function stackMatcher(env: Record<string, string | undefined>): (name: string) => boolean {
  const stackSet = env.IMDS_GUARD_STACKSET_NAME?.trim() || 'imds-guard';
  return (name) => name === 'imds-guard' || name.startsWith(`StackSet-${stackSet}-`);
}

/** Every check of one region of one account. */
export async function checkRegion(
  account: string,
  region: string,
  input: DoctorInput,
  clientsWith: (region: string) => Clients,
  preflightWith: (region: string) => PreflightClients,
  now: Date,
  progress: Progress,
  /** The member role this account is read through (`--org`), if any. */
  role?: string,
): Promise<Check[]> {
  const clients = clientsWith(region);
  const pre = preflightWith(region);
  const out: Check[] = [];
  const add = (check: CheckName, v: Verdict): void => void out.push({ account, region, check, ...v });

  progress.update(region, 'stack');
  let stack: StackFacts | undefined;
  let stackVerdict: Verdict;
  let stackRead = false;
  try {
    stack = await findStack(pre.cloudFormation, input.stackName, stackMatcher(input.env));
    stackRead = true;
    stackVerdict = judgeStack(stack, input.stackName);
  } catch (error) {
    stackVerdict = failed(error, 'stack', role);
  }

  progress.update(region, 'CloudTrail');
  add(
    'cloudtrail',
    await guarded(async () => {
      const trails = await describeTrails(pre.cloudTrail);
      const states: TrailState[] = [];
      for (const t of trails) {
        // A shadow trail is read in its home region (GetEventSelectors wants the trail's own region).
        const home = t.homeRegion && t.homeRegion !== region ? preflightWith(t.homeRegion).cloudTrail : pre.cloudTrail;
        const state: TrailState = { ...t };
        try {
          state.logging = await trailIsLogging(home, t.arn);
          state.managementWrites = logsManagementWrites(await trailSelectors(home, t.arn));
        } catch (error) {
          if (isCredentialsError(error)) throw error;
          const { code, message } = describeError(error);
          state.unreadable = `${code ? `${code}: ` : ''}${message}`;
        }
        states.push(state);
        if (state.logging && state.managementWrites) break; // one good trail is enough
      }
      return judgeTrail(region, states);
    }, 'cloudtrail', role),
  );

  progress.update(region, 'AWS Config');
  const configRule = stack ? stack.parameters.EnableConfigRule !== 'false' : (input.env.IMDS_GUARD_ENABLE_CONFIG_RULE ?? 'true') !== 'false';
  add('config', await guarded(async () => judgeConfig(region, await describeRecorders(clients.config), configRule), 'config', role));

  progress.update(region, 'Security Hub');
  let hub: string | undefined;
  let hubRead = false;
  add(
    'security-hub',
    await guarded(async () => {
      hub = await describeHub(clients.securityHub);
      hubRead = true;
      return judgeHub(region, hub);
    }, 'security-hub', role),
  );
  if (hub) {
    add('controls', await guarded(async () => judgeControls(region, await securityControls(clients.securityHub, CONTROL_IDS)), 'controls', role));
  } else {
    add('controls', { status: 'skip', detail: hubRead ? 'Security Hub CSPM is not enabled' : 'Security Hub could not be read' });
  }

  progress.update(region, 'Lambda concurrency');
  const reserve = stack ? stack.parameters.ReserveConcurrency !== 'false' : (input.env.IMDS_GUARD_RESERVE_CONCURRENCY ?? 'true') !== 'false';
  const reserved = stack !== undefined && LIVE.test(stack.status) && stack.parameters.ReserveConcurrency !== 'false';
  add('lambda-concurrency', await guarded(async () => judgeConcurrency(await lambdaConcurrency(pre.lambda), reserve, reserved), 'lambda-concurrency', role));

  progress.update(region, 'account default');
  add('account-default', await guarded(async () => judgeAccountDefault(region, await accountDefaults(clients.ec2)), 'account-default', role));

  progress.update(region, 'stage');
  const setting = stack?.parameters.EnforceAccountDefault ?? input.env[SETTINGS.enforceAccountDefault] ?? DEFAULT_POLICY.enforceAccountDefault;
  if (hub) {
    const id = findingId({ kind: stageCarrierKind(), id: account, account, region }, 'imdsv2');
    add('stage', await guarded(async () => judgeStage(region, await publishedStage(clients.securityHub, id), setting), 'stage', role));
  } else {
    add('stage', { status: 'skip', detail: `Security Hub is not read here; imds-guard scan --region ${region} computes the stage` });
  }

  add('stack', stackVerdict);
  progress.update(region, 'sweep');
  const sweepArn = stack?.outputs.SweepFunctionArn;
  const days = 7;
  if (stack && sweepArn) {
    const fn = sweepArn.split(':function:')[1]?.split(':')[0] ?? sweepArn;
    add('sweep', await guarded(async () => judgeSweep(stack, await lastInvocation(clients.cloudWatch, fn, now, days), now, days), 'sweep', role));
  } else if (stack) {
    add('sweep', { status: 'warn', detail: `stack ${stack.name} has no SweepFunctionArn output`, fix: 'update the stack to the current member template' });
  } else if (!stackRead) {
    // Not "no stack": whether there is one (and so a sweep) is unknown.
    add('sweep', { status: 'skip', detail: 'not checked: the stack could not be read, and the sweep is found through it' });
  } else {
    add('sweep', judgeSweep(undefined, undefined, now, days));
  }
  return out;
}

