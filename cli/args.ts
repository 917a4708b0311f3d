/**
 * Command-line parsing and validation (node:util parseArgs) → typed options.
 * Every mistake is a UsageError (exit 2) that names the bad argument.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RESOURCE_KINDS } from '../shared/model.js';
import type { ResourceKind } from '../shared/model.js';
import { UsageError } from './errors.js';

export type Format = 'table' | 'json' | 'csv' | 'html';
export const FORMATS: readonly Format[] = ['table', 'json', 'csv', 'html'];
export const FIX_FORMATS: readonly Format[] = ['table', 'json'];

export interface CommonOptions {
  profile?: string;
  /** Explicit regions, in the order given, without duplicates. Empty = default region. */
  regions: string[];
  allRegions: boolean;
  /** Kinds to look at; all when not limited with --kind. */
  kinds: ResourceKind[];
  lookbackDays?: number;
  exemptTag?: string;
  format: Format;
  output?: string;
  /** --org: every ACTIVE account of the organization (see the organization block below). */
  org?: OrgOptions;
}

export interface ScanOptions extends CommonOptions {
  command: 'scan';
}

export interface FixOptions extends CommonOptions {
  command: 'fix';
  dryRun: boolean;
  yes: boolean;
  /** Passes the usage-known gate for instances without usage evidence (never the IMDSv1-in-use or exempt gates). */
  overrideUsageUnknown: boolean;
}

export type GuardrailPolicy = 'scp' | 'declarative';

export interface GuardrailsOptions {
  command: 'guardrails';
  policy?: GuardrailPolicy;
  output?: string;
  /** Break-glass principals (ARN patterns) the SCP lets through. */
  exemptPrincipals: string[];
  /** Also deny hop limits above this. */
  maxHopLimit?: number;
}

export type CommandOptions = ScanOptions | FixOptions | GuardrailsOptions | DoctorOptions;

export type Parsed =
  | { action: 'run'; options: CommandOptions }
  | { action: 'help'; text: string }
  | { action: 'version' };

export const COMMANDS = ['scan', 'fix', 'guardrails', 'doctor'] as const;
export type Command = (typeof COMMANDS)[number];

const COMMON_HELP = `
Where:
  --region REGION        Region to look at; repeat for more (default: AWS_REGION,
                         AWS_DEFAULT_REGION, or the profile's region)
  --all-regions          Every region enabled for the account (DescribeRegions);
                         regions not opted in are skipped with a message
  --kind KIND            Limit to instance, launch-template, launch-configuration
                         or account-defaults; repeat for more (default: all)
  --profile NAME         AWS profile (standard credential chain otherwise)

What:
  --lookback-days N      Days of CloudWatch MetadataNoToken history (1-455,
                         default IMDS_GUARD_USAGE_LOOKBACK_DAYS or 14)
  --exempt-tag KEY       Tag key that exempts a resource (default
                         IMDS_GUARD_EXEMPT_TAG or imds-guard:exempt)`;

// ---- organization and doctor (--org, doctor): kept in one block for merging ----
const ORG_HELP = `
Organization:
  --org                  Every ACTIVE account of the organization (run from the
                         management or a delegated administrator account)
  --role-name NAME       Member role to assume, arn:aws:iam::<account>:role/
                         imds-guard/NAME (default imds-guard-member); the
                         account the CLI runs in uses its own credentials
  --accounts ID,...      Only these accounts (12 digits each)
  --ou OU_ID,...         Only accounts under these OUs or roots, all levels down
  --concurrency N        Account-regions worked on at once (1-64, default 8)`;

const DOCTOR_HELP = `Usage: imds-guard doctor [options]

Checks, per account and region, what an imds-guard deployment needs and
whether it is there, each with the fix: a CloudTrail trail logging management
events, AWS Config recording the resource types, Security Hub CSPM and the
controls EC2.8 / AutoScaling.3 / EC2.170, the Lambda concurrency quota against
ReserveConcurrency, a declarative policy managing the account default, the
imds-guard stack and its version, and when its sweep last ran.

  --region REGION        Region to check; repeat for more (default: AWS_REGION)
  --all-regions          Every region enabled for the account
  --stack-name NAME      CloudFormation stack of the member stack (default: a
                         StackSet instance StackSet-imds-guard-*, or imds-guard)
  --profile NAME         AWS profile
${ORG_HELP}

Output:
  -f, --format FORMAT    table (default) or json
  -o, --output FILE      Write the result to FILE
  -h, --help             Show this help

Exit codes:
  0  everything the deployment needs is there
  1  something is missing (each with its fix), or could not be checked
  2  usage or credential error`;

export interface OrgOptions {
  roleName: string;
  /** Only these accounts; empty = every ACTIVE account listed. */
  accounts: string[];
  /** Only accounts under these OUs / roots (recursively); empty = ListAccounts. */
  ous: string[];
  /** Account-regions worked on at once. */
  concurrency: number;
}

export const DEFAULT_ORG_CONCURRENCY = 8;

export interface DoctorOptions {
  command: 'doctor';
  profile?: string;
  regions: string[];
  allRegions: boolean;
  org?: OrgOptions;
  stackName?: string;
  format: Format;
  output?: string;
}

const ORG_OPTIONS = {
  org: { type: 'boolean' },
  'role-name': { type: 'string' },
  accounts: { type: 'string', multiple: true },
  ou: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
} as const;

const ACCOUNT_PATTERN = /^\d{12}$/;
const PARENT_PATTERN = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/** The --org block; the other organization flags need --org. */
function orgFrom(command: Command, values: Record<string, unknown>): OrgOptions | undefined {
  const roleName = values['role-name'] as string | undefined;
  const accounts = unique(listOf(values.accounts as string[] | undefined));
  const ous = unique(listOf(values.ou as string[] | undefined));
  const concurrency = values.concurrency as string | undefined;
  if (values.org !== true) {
    const stray = roleName !== undefined ? '--role-name' : accounts.length ? '--accounts' : ous.length ? '--ou' : concurrency !== undefined ? '--concurrency' : undefined;
    if (stray) throw new UsageError(`${command}: ${stray} needs --org`);
    return undefined;
  }
  if (roleName !== undefined && !ROLE_NAME_PATTERN.test(roleName)) throw new UsageError(`${command}: --role-name ${JSON.stringify(roleName)} is not an IAM role name`);
  for (const a of accounts) if (!ACCOUNT_PATTERN.test(a)) throw new UsageError(`${command}: --accounts ${JSON.stringify(a)} is not a 12-digit account id`);
  for (const o of ous) if (!PARENT_PATTERN.test(o)) throw new UsageError(`${command}: --ou ${JSON.stringify(o)} is not an OU id (ou-…) or root id (r-…)`);
  let n = DEFAULT_ORG_CONCURRENCY;
  if (concurrency !== undefined) {
    n = Number(concurrency);
    if (!/^\d+$/.test(concurrency.trim()) || n < 1 || n > 64) throw new UsageError(`${command}: --concurrency must be a whole number from 1 to 64, not ${JSON.stringify(concurrency)}`);
  }
  return { roleName: roleName ?? 'imds-guard-member', accounts, ous, concurrency: n };
}
// ---- end of the organization and doctor block ----

const EXIT_HELP = `
Exit codes:
  0  clean: nothing non-compliant found
  1  findings: non-compliant resources remain, or a region could not be read
  2  usage or credential error (or every region failed)`;

export const USAGE: Record<Command | 'main', string> = {
  main: `Usage: imds-guard <command> [options]

Keeps EC2 on IMDSv2: inventory, readiness and migration for an AWS estate.

Commands:
  scan         Read-only inventory: verdicts, IMDSv1 use, readiness
  fix          Require IMDSv2 where it is safe (same gates as the pipeline)
  guardrails   Print the SCP and EC2 declarative policy documents
  doctor       Check what a deployment needs (CloudTrail, Config, Security
               Hub, Lambda concurrency, the stack and its sweep)

Options:
  -h, --help     Show help (also: imds-guard <command> --help)
  -V, --version  Show the version

Settings from the environment (IMDS_GUARD_*) apply as in the Lambdas.
${EXIT_HELP}`,
  scan: `Usage: imds-guard scan [options]

Lists instances, launch templates, launch configurations (with the Auto
Scaling groups that use them) and account defaults, with each verdict and
reason, IMDSv1 calls in the look-back window and a readiness label:
  compliant      requires IMDSv2 already
  ready          non-compliant, no IMDSv1 calls: safe to enforce
  uses-imdsv1    non-compliant and still makes IMDSv1 calls: fix software first
  usage-unknown  non-compliant, not enough MetadataNoToken evidence to judge
  exempt         non-compliant, carries the exemption tag
  n/a            not applicable (terminated, gone)
${COMMON_HELP}
${ORG_HELP}

Output:
  -f, --format FORMAT    table (default), json, csv or html
  -o, --output FILE      Write the report to FILE (format from its extension
                         unless --format is given)
  -h, --help             Show this help
${EXIT_HELP}`,
  fix: `Usage: imds-guard fix [options]

Requires IMDSv2 on non-compliant resources through the remediation engine,
with the same gates as the pipeline (exempt tag, IMDSv1 still in use, usage
unknown, disabled endpoint, hop limit kept). Shows the plan, then asks for
confirmation unless --yes.

  --dry-run              Print the exact plan; change nothing
  -y, --yes              Do not ask (required when stdin is not a terminal)
  --override-usage-unknown
                         Also fix instances without usage evidence (never
                         those with IMDSv1 calls, never exempt ones)
${COMMON_HELP}
${ORG_HELP}

Output:
  -f, --format FORMAT    table (default) or json
  -o, --output FILE      Write the result to FILE
  -h, --help             Show this help

Other settings (IMDS_GUARD_HOP_LIMIT_CEILING, IMDS_GUARD_LOWER_HOP_LIMIT,
IMDS_GUARD_USAGE_UNKNOWN, IMDS_GUARD_INSTANCE_REFRESH,
IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT) are read from the environment.
${EXIT_HELP}`,
  doctor: DOCTOR_HELP,
  guardrails: `Usage: imds-guard guardrails [options]

Prints the preventive policies as JSON: the service control policy that
denies launching or changing instances without IMDSv2, and the EC2
declarative policy that makes IMDSv2 the organization's baseline.

  --policy scp|declarative  Print only that document (ready for
                            aws organizations create-policy --content)
  --exempt-principal ARN    Principal (ARN pattern) the SCP lets through,
                            e.g. arn:aws:iam::*:role/BreakGlass; repeatable
  --max-hop-limit N         Also deny hop limits above N (1-64)
  -o, --output FILE         Write to FILE
  -h, --help                Show this help

Exit codes: 0 printed, 2 usage error.`,
};

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

function isCommand(value: string | undefined): value is Command {
  return value !== undefined && (COMMANDS as readonly string[]).includes(value);
}

function listOf(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function parseWith<O extends NonNullable<ParseArgsConfig['options']>>(command: Command, args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${command}: ${message.replace(/\. To specify a positional argument.*$/s, '')}`);
  }
}

function formatFrom(command: Command, value: string | undefined, output: string | undefined, allowed: readonly Format[]): Format {
  if (value !== undefined) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new UsageError(`${command}: --format must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
    }
    return value as Format;
  }
  const ext = output?.toLowerCase().match(/\.(json|csv|html?)$/)?.[1];
  const inferred = ext === 'htm' ? 'html' : (ext as Format | undefined);
  return inferred !== undefined && allowed.includes(inferred) ? inferred : 'table';
}

const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  region: { type: 'string', multiple: true },
  'all-regions': { type: 'boolean' },
  kind: { type: 'string', multiple: true },
  profile: { type: 'string' },
  'lookback-days': { type: 'string' },
  'exempt-tag': { type: 'string' },
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
} as const;

function withOrg<T extends CommonOptions>(options: T, org: OrgOptions | undefined): T {
  return org ? { ...options, org } : options;
}

function common(command: 'scan' | 'fix' | 'doctor', values: Record<string, unknown>): CommonOptions {
  const regions = unique(listOf(values.region as string[] | undefined));
  for (const region of regions) {
    if (!REGION_PATTERN.test(region)) throw new UsageError(`${command}: ${JSON.stringify(region)} is not a region name (like eu-west-1)`);
  }
  const allRegions = values['all-regions'] === true;
  if (allRegions && regions.length > 0) throw new UsageError(`${command}: use either --region or --all-regions, not both`);

  const kinds = unique(listOf(values.kind as string[] | undefined));
  for (const kind of kinds) {
    if (!(RESOURCE_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`${command}: --kind ${JSON.stringify(kind)} is not one of ${RESOURCE_KINDS.join(', ')}`);
    }
  }

  const out: CommonOptions = {
    regions,
    allRegions,
    kinds: kinds.length > 0 ? RESOURCE_KINDS.filter((k) => kinds.includes(k)) : [...RESOURCE_KINDS],
    format: 'table',
  };

  const profile = values.profile as string | undefined;
  if (profile !== undefined) {
    if (profile.trim() === '') throw new UsageError(`${command}: --profile needs a profile name`);
    out.profile = profile.trim();
  }
  const lookback = values['lookback-days'] as string | undefined;
  if (lookback !== undefined) {
    const n = Number(lookback);
    if (!/^\d+$/.test(lookback.trim()) || !Number.isInteger(n) || n < 1 || n > 455) {
      throw new UsageError(`${command}: --lookback-days must be a whole number from 1 to 455 (CloudWatch keeps 455 days), not ${JSON.stringify(lookback)}`);
    }
    out.lookbackDays = n;
  }
  const exemptTag = values['exempt-tag'] as string | undefined;
  if (exemptTag !== undefined) {
    if (exemptTag.trim() === '' || exemptTag.length > 128) throw new UsageError(`${command}: --exempt-tag must be a tag key of 1 to 128 characters`);
    out.exemptTag = exemptTag;
  }
  const output = values.output as string | undefined;
  if (output !== undefined) {
    if (output.trim() === '') throw new UsageError(`${command}: --output needs a file name`);
    out.output = output;
  }
  out.format = formatFrom(command, values.format as string | undefined, output, command === 'fix' ? FIX_FORMATS : FORMATS);
  return out;
}

function noPositionals(command: Command, positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(positionals[0])}`);
}

/** Parses `argv` (without node and the script). Throws UsageError. */
export function parseCli(argv: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given');
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    return { action: 'help', text: isCommand(topic) ? USAGE[topic] : USAGE.main };
  }
  if (first === '--version' || first === '-V') return { action: 'version' };
  if (!isCommand(first)) {
    throw new UsageError(first.startsWith('-') ? `unknown option ${JSON.stringify(first)} (a command comes first)` : `unknown command ${JSON.stringify(first)}`);
  }
  const args = [...rest];
  // --help anywhere wins over every other mistake on the line.
  if (args.includes('--help') || args.includes('-h')) return { action: 'help', text: USAGE[first] };

  switch (first) {
    case 'scan': {
      const { values, positionals } = parseWith(first, args, { ...COMMON_OPTIONS, ...ORG_OPTIONS });
      noPositionals(first, positionals);
      return { action: 'run', options: withOrg<ScanOptions>({ command: 'scan', ...common('scan', values) }, orgFrom(first, values)) };
    }
    case 'fix': {
      const { values, positionals } = parseWith(first, args, {
        ...COMMON_OPTIONS,
        ...ORG_OPTIONS,
        'dry-run': { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        'override-usage-unknown': { type: 'boolean' },
      });
      noPositionals(first, positionals);
      const dryRun = values['dry-run'] === true;
      const yes = values.yes === true;
      if (dryRun && yes) throw new UsageError('fix: --dry-run and --yes contradict each other');
      return {
        action: 'run',
        options: withOrg<FixOptions>(
          { command: 'fix', ...common('fix', values), dryRun, yes, overrideUsageUnknown: values['override-usage-unknown'] === true },
          orgFrom(first, values),
        ),
      };
    }
    case 'doctor': {
      const { values, positionals } = parseWith(first, args, {
        help: { type: 'boolean', short: 'h' },
        region: { type: 'string', multiple: true },
        'all-regions': { type: 'boolean' },
        profile: { type: 'string' },
        'stack-name': { type: 'string' },
        format: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        ...ORG_OPTIONS,
      });
      noPositionals(first, positionals);
      const base = common('doctor', { region: values.region, 'all-regions': values['all-regions'], profile: values.profile, output: values.output });
      const format = formatFrom('doctor', values.format as string | undefined, base.output, FIX_FORMATS);
      const options: DoctorOptions = { command: 'doctor', regions: base.regions, allRegions: base.allRegions, format };
      if (base.profile !== undefined) options.profile = base.profile;
      if (base.output !== undefined) options.output = base.output;
      const stackName = values['stack-name'] as string | undefined;
      if (stackName !== undefined) {
        if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) throw new UsageError(`doctor: --stack-name ${JSON.stringify(stackName)} is not a CloudFormation stack name`);
        options.stackName = stackName;
      }
      const org = orgFrom(first, values);
      if (org) options.org = org;
      return { action: 'run', options };
    }
    case 'guardrails': {
      const { values, positionals } = parseWith(first, args, {
        help: { type: 'boolean', short: 'h' },
        policy: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'exempt-principal': { type: 'string', multiple: true },
        'max-hop-limit': { type: 'string' },
      });
      noPositionals(first, positionals);
      const options: GuardrailsOptions = { command: 'guardrails', exemptPrincipals: unique(listOf(values['exempt-principal'] as string[] | undefined)) };
      for (const arn of options.exemptPrincipals) {
        if (!arn.startsWith('arn:')) throw new UsageError(`guardrails: --exempt-principal ${JSON.stringify(arn)} is not an ARN pattern`);
      }
      const hop = values['max-hop-limit'] as string | undefined;
      if (hop !== undefined) {
        if (!/^\d+$/.test(hop) || Number(hop) < 1 || Number(hop) > 64) throw new UsageError('guardrails: --max-hop-limit must be a whole number from 1 to 64');
        options.maxHopLimit = Number(hop);
      }
      const policy = values.policy as string | undefined;
      if (policy !== undefined) {
        if (policy !== 'scp' && policy !== 'declarative') throw new UsageError(`guardrails: --policy must be scp or declarative, not ${JSON.stringify(policy)}`);
        options.policy = policy;
      }
      if (typeof values.output === 'string') options.output = values.output;
      return { action: 'run', options };
    }
  }
}

/** The usage text for the command a (possibly bad) command line was aiming at. */
export function usageFor(argv: readonly string[]): string {
  const first = argv[0];
  return isCommand(first) ? USAGE[first] : USAGE.main;
}
