/**
 * Command-line parsing and validation (node:util parseArgs) → typed options.
 * Every mistake is a UsageError (exit 2) that names the bad argument.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KIND_NAMES } from '../shared/kinds/registry.js';
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

export type CommandOptions = ScanOptions | FixOptions | GuardrailsOptions;

export type Parsed =
  | { action: 'run'; options: CommandOptions }
  | { action: 'help'; text: string }
  | { action: 'version' };

export const COMMANDS = ['scan', 'fix', 'guardrails'] as const;
export type Command = (typeof COMMANDS)[number];

const COMMON_HELP = `
Where:
  --region REGION        Region to look at; repeat for more (default: AWS_REGION,
                         AWS_DEFAULT_REGION, or the profile's region)
  --all-regions          Every region enabled for the account (DescribeRegions);
                         regions not opted in are skipped with a message
  --kind KIND            Limit to one kind; repeat for more (default: all):
                         ${KIND_NAMES.join(', ')}
  --profile NAME         AWS profile (standard credential chain otherwise)

What:
  --lookback-days N      Days of CloudWatch MetadataNoToken history (1-455,
                         default IMDS_GUARD_USAGE_LOOKBACK_DAYS or 14)
  --exempt-tag KEY       Tag key that exempts a resource (default
                         IMDS_GUARD_EXEMPT_TAG or imds-guard:exempt)`;

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

Output:
  -f, --format FORMAT    table (default) or json
  -o, --output FILE      Write the result to FILE
  -h, --help             Show this help

Other settings (IMDS_GUARD_HOP_LIMIT_CEILING, IMDS_GUARD_LOWER_HOP_LIMIT,
IMDS_GUARD_USAGE_UNKNOWN, IMDS_GUARD_INSTANCE_REFRESH,
IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT) are read from the environment.
${EXIT_HELP}`,
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

function common(command: 'scan' | 'fix', values: Record<string, unknown>): CommonOptions {
  const regions = unique(listOf(values.region as string[] | undefined));
  for (const region of regions) {
    if (!REGION_PATTERN.test(region)) throw new UsageError(`${command}: ${JSON.stringify(region)} is not a region name (like eu-west-1)`);
  }
  const allRegions = values['all-regions'] === true;
  if (allRegions && regions.length > 0) throw new UsageError(`${command}: use either --region or --all-regions, not both`);

  const kinds = unique(listOf(values.kind as string[] | undefined));
  for (const kind of kinds) {
    if (!(KIND_NAMES as readonly string[]).includes(kind)) {
      throw new UsageError(`${command}: --kind ${JSON.stringify(kind)} is not one of ${KIND_NAMES.join(', ')}`);
    }
  }

  const out: CommonOptions = {
    regions,
    allRegions,
    kinds: kinds.length > 0 ? KIND_NAMES.filter((k) => kinds.includes(k)) : [...KIND_NAMES],
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
      const { values, positionals } = parseWith(first, args, COMMON_OPTIONS);
      noPositionals(first, positionals);
      return { action: 'run', options: { command: 'scan', ...common('scan', values) } };
    }
    case 'fix': {
      const { values, positionals } = parseWith(first, args, {
        ...COMMON_OPTIONS,
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
        options: { command: 'fix', ...common('fix', values), dryRun, yes, overrideUsageUnknown: values['override-usage-unknown'] === true },
      };
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
