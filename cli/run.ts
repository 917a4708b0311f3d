/**
 * The command runner behind `imds-guard`: parse, wire, run, print, exit code.
 * Everything that touches the outside (AWS clients, terminal, files) comes in
 * through `deps` and `io`, so tests run commands end to end.
 */
import pkg from '../package.json' with { type: 'json' };
import type { ResourceKind } from '../shared/model.js';
import { loadPolicy, PolicyError, type Policy } from '../shared/policy.js';
import { logger } from '../shared/observability/log.js';
import type { CommonOptions, ConnectionOptions, DoctorOptions, FixOptions, Format, GuardrailsOptions, RollbackOptions, ScanOptions } from './args/options.js';
import { hintFor, parseCli } from './args/parse.js';
import { debugLogging, logClients, logRequests } from './debug.js';
import type { DoctorDeps } from './doctor/doctor.js';
import { defaultDeps, identify, type CliDeps, type RegionStatus } from './engine.js';
import { errorText, groupErrors } from './format/errors.js';
import { CredentialsError, EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, isCredentialsError, messageOf, missingProfile, UsageError } from './errors.js';
import { fixExitCode, planFix, realRemediator, type FixInput, type RemediatorFactory } from './fix.js';
import { toCsv } from './format/csv.js';
import { toHtml } from './format/html.js';
import { toJson } from './format/json.js';
import { toJsonl } from './format/jsonl.js';
import { fixTable, scanTable, type FixStage } from './format/table.js';
import { plural } from './format/labels.js';
import { processIo, type Io } from './io.js';
import { createProgress, type Progress } from './progress.js';
import { runFixOrg, runScanOrg } from './org/commands.js';
import { defaultOrgDeps, type OrgDeps } from './org/walk.js';
import { chooseRegions, defaultRegion } from './regions.js';
import { createPreflightClients } from '../shared/aws/preflight.js';
import { scan, scanExitCode, type ScanReport } from './scan.js';
import { carriesStage } from '../shared/engine/stage.js';
import type { Scope } from '../shared/model.js';
import type { EnforcementStore } from '../shared/watch/account/record.js';

export const VERSION: string = pkg.version;

export interface RunDeps extends CliDeps, OrgDeps, Pick<DoctorDeps, 'preflightWith'> {
  /** Default region when none is given (AWS_REGION, AWS_DEFAULT_REGION, profile). */
  defaultRegion(env: Record<string, string | undefined>): Promise<string | undefined>;
  remediatorFor: RemediatorFactory;
}

export function defaultRunDeps(): RunDeps {
  return { ...defaultDeps(), ...defaultOrgDeps(), defaultRegion, remediatorFor: realRemediator };
}

async function emit(io: Io, text: string, outFile: string | undefined): Promise<void> {
  if (outFile === undefined) {
    io.stdout.write(text);
    return;
  }
  await io.writeFile(outFile, text);
  io.stderr.write(`Wrote ${outFile}\n`);
}

/**
 * --profile, --endpoint-url, --request-timeout and --debug, applied before any
 * client is built: the SDK reads AWS_PROFILE and AWS_ENDPOINT_URL from the
 * environment when a client is made, and shared/aws/clients.ts reads
 * IMDS_GUARD_REQUEST_TIMEOUT_MS. Returns the deps to use (with request
 * logging under --debug).
 */
export function applyConnection(options: ConnectionOptions, io: Io, deps: RunDeps): RunDeps {
  if (options.profile !== undefined) io.env.AWS_PROFILE = options.profile;
  if (options.endpointUrl !== undefined) io.env.AWS_ENDPOINT_URL = options.endpointUrl;
  if (options.requestTimeoutMs !== undefined) io.env.IMDS_GUARD_REQUEST_TIMEOUT_MS = String(options.requestTimeoutMs);
  if (!options.debug) return deps;
  debugLogging(io.env, io.stderr);
  const preflightWith = deps.preflightWith ?? createPreflightClients;
  return {
    ...deps,
    clientsFor: (region) => logClients(deps.clientsFor(region), io.stderr),
    stsFor: (region) => logRequests(deps.stsFor(region), io.stderr, region),
    // --org member accounts and doctor's extra clients log the same way.
    clientsWith: (region, credentials) => logClients(deps.clientsWith(region, credentials), io.stderr),
    organizationsFor: (region) => logRequests(deps.organizationsFor(region), io.stderr, region),
    preflightWith: (region, credentials) => {
      const clients = preflightWith(region, credentials);
      for (const client of Object.values(clients)) logRequests(client, io.stderr, region);
      return clients;
    },
  };
}

function policyFor(io: Io, options: CommonOptions): Policy {
  const policy = loadPolicy(io.env);
  if (options.lookbackDays !== undefined) policy.usageLookbackDays = options.lookbackDays;
  if (options.exemptTag !== undefined) policy.exemptTagKey = options.exemptTag;
  return policy;
}

interface Prepared {
  account: string;
  arn?: string;
  /** Region for account-wide calls (STS, Organizations, DescribeRegions). */
  home: string;
  regions: string[];
  skippedRegions: { region: string; reason: string }[];
  progress: Progress;
}

/** --profile, region choice, identity: what scan and fix both need before listing anything. */
async function prepare(options: Pick<CommonOptions, 'profile' | 'regions' | 'allRegions'>, io: Io, deps: RunDeps): Promise<Prepared> {
  if (options.profile !== undefined) io.env.AWS_PROFILE = options.profile;
  const noProfile = await missingProfile(io.env);
  if (noProfile !== undefined) throw new CredentialsError(noProfile);
  const progress = createProgress(io.stderr, io.stderrIsTTY);
  const home = options.regions[0] ?? (await deps.defaultRegion(io.env));
  if (!home && !options.allRegions) {
    throw new UsageError('no region: pass --region REGION or --all-regions, or set AWS_REGION (or a region in your profile)');
  }
  const identity = await identify(deps, home ?? 'us-east-1');
  const choice = await chooseRegions(options, home, deps.clientsFor).catch((error: unknown) => {
    if (error instanceof UsageError || isCredentialsError(error)) throw error;
    throw new CredentialsError(`cannot list regions (EC2 DescribeRegions): ${messageOf(error)}`);
  });
  if (choice.skipped.length > 0) {
    progress.note(`Skipping ${choice.skipped.length} region${choice.skipped.length === 1 ? '' : 's'} not opted in: ${choice.skipped.map((s) => s.region).join(', ')}`);
  }
  const out: Prepared = { account: identity.account, home: home ?? 'us-east-1', regions: choice.regions, skippedRegions: choice.skipped, progress };
  if (identity.arn) out.arn = identity.arn;
  return out;
}

function warnFailures(io: Io, regions: readonly RegionStatus[]): void {
  for (const r of regions) {
    for (const g of groupErrors(r.errors)) io.stderr.write(`warning: ${r.region} ${r.status === 'failed' ? 'failed' : 'partly read'}: ${errorText(g)}\n`);
  }
}

function render(format: Format, report: ScanReport): string {
  switch (format) {
    case 'json':
      return toJson(report);
    case 'jsonl':
      return toJsonl(report);
    case 'csv':
      return toCsv(report);
    case 'html':
      return toHtml(report);
    case 'table':
      return scanTable(report);
  }
}

async function runScan(options: ScanOptions, io: Io, deps: RunDeps): Promise<number> {
  // Plans are made as `fix` would make them (nothing can be written: scan's remediator only collects them).
  const policy = fixPolicy(policyFor(io, options), options);
  const prep = await prepare(options, io, deps);
  if (options.org) {
    const caller = prep.arn ? { account: prep.account, arn: prep.arn } : { account: prep.account };
    const input = { caller, home: prep.home, regions: prep.regions, skippedRegions: prep.skippedRegions, kinds: options.kinds, policy, version: VERSION, org: options.org };
    return runScanOrg(options, input, io, deps, prep.progress, (regions) => warnFailures(io, regions));
  }
  const report = await scan(
    { account: prep.account, regions: prep.regions, skippedRegions: prep.skippedRegions, kinds: options.kinds, policy, version: VERSION },
    deps,
    prep.progress,
  );
  await emit(io, render(options.format, report), options.outFile);
  // The table shows failures itself; other formats go to files or programs, so say it on stderr too.
  if (options.format !== 'table' || options.outFile !== undefined) warnFailures(io, report.regions);
  return scanExitCode(report);
}

function fixPolicy(base: Policy, options: CommonOptions & Partial<Pick<FixOptions, 'deleteSuperseded' | 'evenIfUnrecreatable' | 'enforceAccount'>>): Policy {
  const remediate = { ...base.remediate };
  if (options.explicitKinds) for (const k of Object.keys(remediate) as ResourceKind[]) remediate[k] = options.kinds.includes(k);
  // --enforce-account: enforcement asked for (the enforcement-ready gate still decides), and only the kind that carries it changes.
  if (options.enforceAccount) {
    for (const k of Object.keys(remediate) as ResourceKind[]) remediate[k] = carriesStage(k);
    return { ...base, mode: 'enforce', remediate, enforceAccountDefault: 'true' };
  }
  // The flags only ever widen the setting (IMDS_GUARD_DELETE_SUPERSEDED), never narrow it.
  const deleteSuperseded = options.evenIfUnrecreatable ? 'even-if-unrecreatable' : options.deleteSuperseded && base.deleteSuperseded === 'false' ? 'true' : base.deleteSuperseded;
  return { ...base, mode: 'enforce', remediate, deleteSuperseded };
}

async function runFix(options: FixOptions, io: Io, deps: RunDeps): Promise<number> {
  if (!options.dryRun && !options.yes && !io.stdinIsTTY) {
    throw new UsageError('fix: refusing to change resources without confirmation: stdin is not a terminal; pass --yes, or --dry-run to see the plan');
  }
  const policy = fixPolicy(policyFor(io, options), options);
  const prep = await prepare(options, io, deps);
  const actor = `imds-guard fix (CLI${prep.arn ? `, ${prep.arn}` : ''})`;
  const input: FixInput = {
    account: prep.account,
    actor,
    regions: prep.regions,
    skippedRegions: prep.skippedRegions,
    kinds: options.kinds,
    policy,
    humanRequest: options.overrideUsageUnknown,
    version: VERSION,
    ...(options.enforceAccount ? { enforceAccount: true } : {}),
  };
  if (options.enforceAccount && !options.org) input.enforcementStoreFor = (scope) => graduationStore(scope, io, deps);
  if (options.org) {
    const caller = prep.arn ? { account: prep.account, arn: prep.arn } : { account: prep.account };
    return runFixOrg(options, { ...input, caller, home: prep.home, org: options.org }, io, deps, prep.progress);
  }
  const run = await planFix(input, deps, prep.progress, deps.remediatorFor, options.dryRun);
  const render = (stage: FixStage, applied: boolean): string => {
    const report = run.report(applied);
    return options.format === 'json' ? toJson(report) : options.format === 'jsonl' ? toJsonl(report) : fixTable(report, stage);
  };

  if (options.dryRun || run.pending === 0) {
    await emit(io, render(options.dryRun ? 'dry' : 'pending', false), options.outFile);
    return fixExitCode(run.report(false));
  }
  if (!options.yes) {
    io.stderr.write(fixTable(run.report(false), 'pending'));
    const regions = new Set(run.plans.filter((p) => p.toFix.length > 0).map((p) => p.region)).size;
    const ok = await io.confirm(`Apply ${plural(run.pending, 'change')} in ${plural(regions, 'region')} of account ${prep.account}?`);
    if (!ok) {
      io.stderr.write('Nothing changed.\n');
      if (options.format !== 'table' || options.outFile !== undefined) await emit(io, render('done', false), options.outFile);
      return EXIT_FINDINGS;
    }
  }
  await run.apply();
  await emit(io, render('done', true), options.outFile);
  return fixExitCode(run.report(true));
}

async function runDoctor(options: DoctorOptions, io: Io, deps: RunDeps): Promise<number> {
  const [{ doctor }, { doctorExitCode }, { doctorTable }] = await Promise.all([import('./doctor/doctor.js'), import('./doctor/report.js'), import('./format/doctor.js')]);
  const prep = await prepare(options, io, deps);
  const report = await doctor(
    {
      caller: prep.arn ? { account: prep.account, arn: prep.arn } : { account: prep.account },
      home: prep.home,
      regions: prep.regions,
      version: VERSION,
      env: io.env,
      ...(options.stackName ? { stackName: options.stackName } : {}),
      ...(options.org ? { org: options.org } : {}),
    },
    deps,
    prep.progress,
  );
  await emit(io, options.format === 'json' ? toJson(report) : doctorTable(report), options.outFile);
  return doctorExitCode(report);
}

async function runGuardrails(options: GuardrailsOptions, io: Io): Promise<number> {
  const { guardrailsText } = await import('./guardrails.js');
  await emit(
    io,
    guardrailsText(options.policy, {
      ...(options.exemptPrincipals.length > 0 ? { exemptPrincipalArns: options.exemptPrincipals } : {}),
      ...(options.maxHopLimit !== undefined ? { maxHopLimit: options.maxHopLimit } : {}),
      ...(options.httpTokensEnforced ? { httpTokensEnforced: true } : {}),
    }),
    options.outFile,
  );
  return EXIT_CLEAN;
}

/**
 * `fix --enforce-account`: the region's state bucket (IMDS_GUARD_STATE_BUCKET, else the
 * member stack's output), so the graduation is recorded and the stack's watch follows
 * it; undefined, said on stderr, when there is none.
 */
async function graduationStore(scope: Scope, io: Io, deps: RunDeps): Promise<EnforcementStore | undefined> {
  const { cliEnforcementStore } = await import('./rollback-enforcement.js');
  const store = await cliEnforcementStore(scope, io.env, () => (deps.preflightWith ?? createPreflightClients)(scope.region).cloudFormation);
  if (!('none' in store)) return store;
  io.stderr.write(`${scope.region}: a graduation here will not be watched: ${store.none}\n`);
  return undefined;
}

/** `rollback --account-enforcement`: each region's HttpTokensEnforced off again, read back, marked. */
async function runEnforcementRollback(options: RollbackOptions, io: Io, deps: RunDeps): Promise<number> {
  const { cliEnforcementStore, enforcementExitCode, enforcementTable, rollBackEnforcement } = await import('./rollback-enforcement.js');
  const prep = await prepare(options, io, deps);
  const preflightWith = deps.preflightWith ?? createPreflightClients;
  const by = `imds-guard rollback --account-enforcement (CLI${prep.arn ? `, ${prep.arn}` : ''})`;
  const run = (dryRun: boolean) =>
    Promise.all(
      prep.regions.map(async (region) => {
        const scope = { account: prep.account, region };
        const store = await cliEnforcementStore(scope, io.env, () => preflightWith(region).cloudFormation);
        return rollBackEnforcement({ scope, ec2: deps.clientsFor(region).ec2, store, by, now: deps.now(), dryRun });
      }),
    );
  const render = (results: Awaited<ReturnType<typeof run>>, dryRun: boolean): string =>
    options.format === 'json' ? `${JSON.stringify({ dryRun, results }, null, 2)}\n` : enforcementTable(results, dryRun);
  const plan = await run(true);
  const toDo = plan.filter((p) => p.status === 'planned').length;
  if (options.dryRun || toDo === 0) {
    await emit(io, render(plan, true), options.outFile);
    return enforcementExitCode(plan);
  }
  if (!options.yes) {
    io.stderr.write(enforcementTable(plan, true));
    if (!(await io.confirm(`Switch IMDSv2 enforcement off in ${toDo} region${toDo === 1 ? '' : 's'} of account ${prep.account}?`))) {
      io.stderr.write('Nothing changed.\n');
      return EXIT_FINDINGS;
    }
  }
  const results = await run(false);
  await emit(io, render(results, false), options.outFile);
  return enforcementExitCode(results);
}

/** `rollback`: find the recorded instances, say up front what AWS would refuse, confirm, put their options back. */
async function runRollback(options: RollbackOptions, io: Io, deps: RunDeps): Promise<number> {
  if (!options.dryRun && !options.yes && !io.stdinIsTTY) {
    throw new UsageError('rollback: refusing to change instances without confirmation: stdin is not a terminal; pass --yes, or --dry-run to see the plan');
  }
  if (options.accountEnforcement) return runEnforcementRollback(options, io, deps);
  const { enforcedNote, findCandidates, regionEnforcement, rollBackCandidates, rollbackExitCode, rollbackTable } = await import('./rollback.js');
  const prep = await prepare(options, io, deps);
  const selection = { instanceIds: options.instanceIds, tags: options.tags, ...(options.since ? { since: options.since } : {}) };
  const found = await Promise.all(
    prep.regions.map(async (region) => {
      const ec2 = deps.clientsFor(region).ec2;
      const candidates = await findCandidates(ec2, region, selection);
      // Only where there is something to restore: can it be restored at all?
      return { region, candidates, ...(candidates.length > 0 ? { enforcement: await regionEnforcement(ec2) } : {}) };
    }),
  );
  const notes = found.flatMap((f) => enforcedNote(f.region, f.candidates, f.enforcement));
  const render = (results: Awaited<ReturnType<typeof rollBackCandidates>>, dryRun: boolean): string =>
    options.format === 'json' ? `${JSON.stringify({ dryRun, notes, results }, null, 2)}\n` : rollbackTable(results, dryRun, notes);
  const plan = (
    await Promise.all(
      found.map(({ region, candidates: list, enforcement }) =>
        rollBackCandidates(deps.clientsFor(region).ec2, list, { dryRun: true, now: deps.now(), ...(enforcement ? { enforcement } : {}) }),
      ),
    )
  ).flat();
  const toTry = plan.filter((p) => p.status === 'planned').length;
  if (options.dryRun || toTry === 0) {
    await emit(io, render(plan, true), options.outFile);
    return rollbackExitCode(plan);
  }
  if (!options.yes) {
    io.stderr.write(rollbackTable(plan, true, notes));
    if (!(await io.confirm(`Roll back ${toTry} instance${toTry === 1 ? '' : 's'} in account ${prep.account}?`))) {
      io.stderr.write('Nothing changed.\n');
      return EXIT_FINDINGS;
    }
  }
  const results = (
    await Promise.all(
      found.map(({ region, candidates: list, enforcement }) =>
        rollBackCandidates(deps.clientsFor(region).ec2, list, { dryRun: false, now: deps.now(), ...(enforcement ? { enforcement } : {}) }),
      ),
    )
  ).flat();
  await emit(io, render(results, false), options.outFile);
  return rollbackExitCode(results);
}

/** Runs one command line; returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: Io = processIo(), deps: RunDeps = defaultRunDeps()): Promise<number> {
  // The shared engine logs JSON lines for CloudWatch; on a terminal they would only get in the way.
  logger.setLogLevel((io.env.IMDS_GUARD_CLI_LOG_LEVEL as 'DEBUG' | undefined) ?? 'SILENT');
  try {
    const parsed = parseCli(argv);
    if (parsed.action === 'help') {
      io.stdout.write(`${parsed.text}\n`);
      return EXIT_CLEAN;
    }
    if (parsed.action === 'version') {
      io.stdout.write(`imds-guard ${VERSION}\n`);
      return EXIT_CLEAN;
    }
    const options = parsed.options;
    switch (options.command) {
      case 'scan':
        return await runScan(options, io, applyConnection(options, io, deps));
      case 'fix':
        return await runFix(options, io, applyConnection(options, io, deps));
      case 'guardrails':
        return await runGuardrails(options, io);
      case 'doctor':
        return await runDoctor(options, io, applyConnection(options, io, deps));
      case 'rollback':
        return await runRollback(options, io, applyConnection(options, io, deps));
    }
  } catch (error) {
    // One line and where to look, not the whole help (which scrolls the mistake away).
    if (error instanceof UsageError) {
      io.stderr.write(`imds-guard: ${error.message}\n${hintFor(argv)}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof PolicyError) {
      io.stderr.write(`imds-guard: ${error.message}\nSee docs/settings.md for allowed values.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CredentialsError || isCredentialsError(error)) {
      const message = error instanceof CredentialsError ? error.message : `no usable AWS credentials: ${messageOf(error)}`;
      io.stderr.write(`imds-guard: ${message}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`imds-guard: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_USAGE;
  }
}
