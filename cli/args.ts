/**
 * Command-line parsing and validation (node:util parseArgs) → typed options.
 *
 * Options are one table (OPTIONS): name, type, help line and section. Each
 * command lists the options it takes (COMMAND_OPTIONS); the parser config
 * and the "Options" part of every help text come from those two tables, so a
 * new option is one entry in each. Flags follow the AWS CLI where it has the
 * same idea: `--output` is the format, `--endpoint-url`, `--debug`, `--profile`,
 * `--region`.
 *
 * Every mistake is a UsageError (exit 2) that names the bad argument; the
 * runner prints it on one line with a pointer to `--help`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KIND_NAMES } from '../shared/kinds/registry.js';
import type { ResourceKind } from '../shared/model.js';
import { UsageError } from './errors.js';
import { ACCOUNT_ID } from '../shared/validate.js';
import { INSTANCE_ID } from '../shared/kinds/instance/id.js';

export type Format = 'table' | 'json' | 'csv' | 'html';
export const FORMATS: readonly Format[] = ['table', 'json', 'csv', 'html'];
export const FIX_FORMATS: readonly Format[] = ['table', 'json'];

/** Bounds of --request-timeout, in milliseconds. */
export const REQUEST_TIMEOUT_MS = { min: 100, max: 600_000 } as const;

/** What every command that talks to AWS shares. */
export interface ConnectionOptions {
  profile?: string;
  /** --endpoint-url: becomes AWS_ENDPOINT_URL for every client. */
  endpointUrl?: string;
  /** --request-timeout in ms: becomes IMDS_GUARD_REQUEST_TIMEOUT_MS for every client. */
  requestTimeoutMs?: number;
  /** --debug: debug logs and one line per AWS request on stderr. */
  debug: boolean;
}

export interface CommonOptions extends ConnectionOptions {
  /** Explicit regions, in the order given, without duplicates. Empty = default region. */
  regions: string[];
  allRegions: boolean;
  /** Kinds to look at; all when not limited with --kind. */
  kinds: ResourceKind[];
  /** True when --kind was given (fix: names a kind even if IMDS_GUARD_REMEDIATE leaves it out). */
  explicitKinds: boolean;
  lookbackDays?: number;
  exemptTag?: string;
  format: Format;
  /** --out-file: write there instead of stdout. */
  outFile?: string;
  /** --org: every ACTIVE account of the organization (see orgFrom). */
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
  /** Issue 12: also delete superseded launch configurations (IMDS_GUARD_DELETE_SUPERSEDED=true). */
  deleteSuperseded: boolean;
  /** With deleteSuperseded: also where the account may not be able to create one again (…=even-if-unrecreatable). */
  evenIfUnrecreatable: boolean;
}

export type GuardrailPolicy = 'scp' | 'declarative';

export interface GuardrailsOptions {
  command: 'guardrails';
  policy?: GuardrailPolicy;
  outFile?: string;
  /** Break-glass principals (ARN patterns) the SCP lets through. */
  exemptPrincipals: string[];
  /** Also deny hop limits above this. */
  maxHopLimit?: number;
  /** Issue 12: also set http_tokens_enforced in the declarative policy. */
  httpTokensEnforced?: boolean;
}

/** `rollback` (issue 12): put back what imds-guard recorded before switching an instance. */
export interface RollbackOptions extends CommonOptions {
  command: 'rollback';
  instanceIds: string[];
  tags: { key: string; value: string }[];
  since?: Date;
  dryRun: boolean;
  yes: boolean;
}

/** --org and its narrowing options. */
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
/** The member role the member stack creates (infra/stack.ts MEMBER_ROLE_NAME; test/cli/args.test.ts keeps them equal). */
export const DEFAULT_MEMBER_ROLE = 'imds-guard-member';

export interface DoctorOptions extends ConnectionOptions {
  command: 'doctor';
  regions: string[];
  allRegions: boolean;
  org?: OrgOptions;
  stackName?: string;
  format: Format;
  outFile?: string;
}

export type CommandOptions = ScanOptions | FixOptions | GuardrailsOptions | DoctorOptions | RollbackOptions;

export type Parsed =
  | { action: 'run'; options: CommandOptions }
  | { action: 'help'; text: string }
  | { action: 'version' };

export const COMMANDS = ['scan', 'fix', 'guardrails', 'doctor', 'rollback'] as const;
export type Command = (typeof COMMANDS)[number];

// ── the option table ─────────────────────────────────────────────────────────

type Section = 'Select' | 'Where' | 'What' | 'Fix' | 'Organization' | 'Output' | 'Connection' | 'Policy';
const SECTIONS: readonly Section[] = ['Select', 'Where', 'What', 'Fix', 'Organization', 'Policy', 'Output', 'Connection'];

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder in help (REGION, FILE); string options only. */
  arg?: string;
  /** Help text; `{formats}` is replaced with the command's formats. */
  help: string;
  section: Section;
  /** Another name for this option: listed in help next to it, parsed the same. */
  aliasOf?: string;
}

export const OPTIONS: Record<string, OptionSpec> = {
  region: {
    type: 'string',
    multiple: true,
    arg: 'REGION',
    section: 'Where',
    help: 'Region to look at; repeat or comma-separate for more (default: AWS_REGION, AWS_DEFAULT_REGION, or the profile\'s region)',
  },
  'all-regions': {
    type: 'boolean',
    section: 'Where',
    help: 'Every region enabled for the account (DescribeRegions); regions not opted in are skipped with a message',
  },
  kind: {
    type: 'string',
    multiple: true,
    arg: 'KIND',
    section: 'Where',
    help: `Limit to ${KIND_NAMES.join(', ')}; repeatable (default: all)`,
  },
  'lookback-days': {
    type: 'string',
    arg: 'N',
    section: 'What',
    help: 'Days of CloudWatch MetadataNoToken history, 1-455 (default IMDS_GUARD_USAGE_LOOKBACK_DAYS or 14)',
  },
  'exempt-tag': {
    type: 'string',
    arg: 'KEY',
    section: 'What',
    help: 'Tag key that exempts a resource (default IMDS_GUARD_EXEMPT_TAG or imds-guard:exempt)',
  },
  'stack-name': {
    type: 'string',
    arg: 'NAME',
    section: 'Where',
    help: 'CloudFormation stack of the member stack (default: a StackSet instance StackSet-imds-guard-*, or imds-guard)',
  },
  org: {
    type: 'boolean',
    section: 'Organization',
    help: 'Every ACTIVE account of the organization (run from the management or a delegated administrator account)',
  },
  'role-name': {
    type: 'string',
    arg: 'NAME',
    section: 'Organization',
    help: `Member role to assume, arn:aws:iam::<account>:role/imds-guard/NAME (default ${DEFAULT_MEMBER_ROLE}); the account the CLI runs in uses its own credentials`,
  },
  accounts: { type: 'string', multiple: true, arg: 'ID,...', section: 'Organization', help: 'Only these accounts (12 digits each)' },
  ou: { type: 'string', multiple: true, arg: 'OU_ID,...', section: 'Organization', help: 'Only accounts under these OUs or roots, all levels down' },
  concurrency: {
    type: 'string',
    arg: 'N',
    section: 'Organization',
    help: `Account-regions worked on at once (1-64, default ${DEFAULT_ORG_CONCURRENCY})`,
  },
  'dry-run': { type: 'boolean', section: 'Fix', help: 'Print the exact plan; change nothing' },
  yes: { type: 'boolean', short: 'y', section: 'Fix', help: 'Do not ask (required when stdin is not a terminal)' },
  'override-usage-unknown': {
    type: 'boolean',
    section: 'Fix',
    help: 'Also fix instances without usage evidence (never those with IMDSv1 calls, never exempt ones)',
  },
  'delete-superseded': {
    type: 'boolean',
    section: 'Fix',
    help: 'Also delete launch configurations a migration superseded and no Auto Scaling group uses (IMDS_GUARD_DELETE_SUPERSEDED=true)',
  },
  'even-if-unrecreatable': {
    type: 'boolean',
    section: 'Fix',
    help: 'With --delete-superseded: also where the account may not be able to create launch configurations again (accounts created after 2024-10-01 cannot)',
  },
  policy: { type: 'string', arg: 'scp|declarative', section: 'Policy', help: 'Print only that document (ready for aws organizations create-policy --content)' },
  'exempt-principal': {
    type: 'string',
    multiple: true,
    arg: 'ARN',
    section: 'Policy',
    help: 'Principal (ARN pattern) the SCP lets through, e.g. arn:aws:iam::*:role/BreakGlass; repeatable',
  },
  'max-hop-limit': { type: 'string', arg: 'N', section: 'Policy', help: 'Also deny hop limits above N (1-64)' },
  'http-tokens-enforced': {
    type: 'boolean',
    section: 'Policy',
    help: 'Also set http_tokens_enforced in the declarative policy: launches asking for IMDSv1 are refused',
  },
  // rollback (issue 12)
  instance: { type: 'string', multiple: true, arg: 'ID', section: 'Select', help: 'An instance id; repeatable' },
  tag: { type: 'string', multiple: true, arg: 'KEY=VALUE', section: 'Select', help: 'Instances with this tag; repeatable' },
  since: {
    type: 'string',
    arg: 'TIME',
    section: 'Select',
    help: 'Everything imds-guard switched at or after TIME (ISO 8601, e.g. 2026-05-01 or 2026-05-01T10:00:00Z)',
  },
  output: { type: 'string', arg: 'FORMAT', section: 'Output', help: 'Output format: {formats} (default: table, or from the --out-file extension)' },
  format: { type: 'string', short: 'f', arg: 'FORMAT', section: 'Output', help: 'Same as --output', aliasOf: 'output' },
  'out-file': { type: 'string', arg: 'FILE', section: 'Output', help: 'Write to FILE instead of stdout' },
  'output-file': { type: 'string', arg: 'FILE', section: 'Output', help: 'Same as --out-file', aliasOf: 'out-file' },
  profile: { type: 'string', arg: 'NAME', section: 'Connection', help: 'AWS profile (standard credential chain otherwise)' },
  'endpoint-url': {
    type: 'string',
    arg: 'URL',
    section: 'Connection',
    help: 'Send every AWS call to URL (sets AWS_ENDPOINT_URL; for emulators and VPC endpoints)',
  },
  'request-timeout': {
    type: 'string',
    arg: 'MS',
    section: 'Connection',
    help: `Time limit per AWS request in milliseconds, ${REQUEST_TIMEOUT_MS.min}-${REQUEST_TIMEOUT_MS.max} (sets IMDS_GUARD_REQUEST_TIMEOUT_MS)`,
  },
  debug: { type: 'boolean', section: 'Connection', help: 'Debug logs and one line per AWS request on stderr' },
  help: { type: 'boolean', short: 'h', section: 'Output', help: 'Show this help' },
};

const WHERE_WHAT = ['region', 'all-regions', 'kind', 'lookback-days', 'exempt-tag'];
const OUTPUT = ['output', 'format', 'out-file', 'output-file'];
const CONNECTION = ['profile', 'endpoint-url', 'request-timeout', 'debug'];
const ORG = ['org', 'role-name', 'accounts', 'ou', 'concurrency'];

/** The options each command takes, in help order. */
export const COMMAND_OPTIONS: Record<Command, string[]> = {
  scan: [...WHERE_WHAT, ...ORG, ...OUTPUT, ...CONNECTION, 'help'],
  fix: ['dry-run', 'yes', 'override-usage-unknown', 'delete-superseded', 'even-if-unrecreatable', ...WHERE_WHAT, ...ORG, ...OUTPUT, ...CONNECTION, 'help'],
  guardrails: ['policy', 'exempt-principal', 'max-hop-limit', 'http-tokens-enforced', ...OUTPUT, 'help'],
  doctor: ['region', 'all-regions', 'stack-name', ...ORG, ...OUTPUT, ...CONNECTION, 'help'],
  rollback: ['instance', 'tag', 'since', 'dry-run', 'yes', 'region', 'all-regions', ...OUTPUT, ...CONNECTION, 'help'],
};

const COMMAND_FORMATS: Record<Command, readonly Format[]> = { scan: FORMATS, fix: FIX_FORMATS, guardrails: ['json'], doctor: FIX_FORMATS, rollback: FIX_FORMATS };

// ── help texts ───────────────────────────────────────────────────────────────

const HELP_WIDTH = 80;
const HELP_COLUMN = 26;

function helpWrap(text: string, room: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The option lines of a command's help, by section. */
export function optionsHelp(command: Command): string {
  const names = COMMAND_OPTIONS[command];
  const out: string[] = [];
  for (const section of SECTIONS) {
    const mine = names.filter((n) => OPTIONS[n]?.section === section);
    if (mine.length === 0) continue;
    out.push('', `${section}:`);
    for (const name of mine) {
      const spec = OPTIONS[name] as OptionSpec;
      const flag = `  ${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.arg ? ` ${spec.arg}` : ''}`;
      const help = helpWrap(spec.help.replace('{formats}', COMMAND_FORMATS[command].join(', ')), HELP_WIDTH - HELP_COLUMN);
      if (flag.length >= HELP_COLUMN - 1) out.push(flag, ...help.map((l) => ' '.repeat(HELP_COLUMN) + l));
      else out.push(...help.map((l, i) => (i === 0 ? flag.padEnd(HELP_COLUMN) : ' '.repeat(HELP_COLUMN)) + l));
    }
  }
  return out.join('\n');
}

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
  rollback     Restore what imds-guard recorded before switching instances

Options:
  -h, --help     Show help (also: imds-guard <command> --help)
  -V, --version  Show the version

Settings from the environment (IMDS_GUARD_*) apply as in the Lambdas.
${EXIT_HELP}`,
  scan: `Usage: imds-guard scan [options]

Lists instances, launch templates, launch configurations (with the Auto
Scaling groups that use them) and account defaults, with each verdict and
reason, IMDSv1 calls in the look-back window, and a readiness label with the
reason behind it: what \`imds-guard fix\` would do, or what holds it back.
  ready              no IMDSv1 calls: fix changes it
  uses-imdsv1        still makes IMDSv1 calls: update that software first
  usage-unknown      no MetadataNoToken evidence (--override-usage-unknown)
  hop-limit-kept     only the hop limit is too high and lowering is off
  kind-off           IMDS_GUARD_REMEDIATE leaves the kind out (fix --kind)
  endpoint-disabled  IMDS is off; fix never turns it on
  manual             fix has nothing it may change (the reason says why)
  exempt             carries the exemption tag; fix never changes it
  compliant / n/a    requires IMDSv2 already / terminated, gone
${optionsHelp('scan')}
${EXIT_HELP}`,
  fix: `Usage: imds-guard fix [options]

Requires IMDSv2 on non-compliant resources through the remediation engine,
with the same gates as the pipeline (exempt tag, IMDSv1 still in use, usage
unknown, disabled endpoint, hop limit kept). Shows the plan, then asks for
confirmation unless --yes.
${optionsHelp('fix')}

Other settings (IMDS_GUARD_HOP_LIMIT_CEILING, IMDS_GUARD_LOWER_HOP_LIMIT,
IMDS_GUARD_USAGE_UNKNOWN, IMDS_GUARD_INSTANCE_REFRESH,
IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT) are read from the environment.
${EXIT_HELP}`,
  guardrails: `Usage: imds-guard guardrails [options]

Prints the preventive policies as JSON: the service control policy that
denies launching or changing instances without IMDSv2, and the EC2
declarative policy that makes IMDSv2 the organization's baseline.
${optionsHelp('guardrails')}

Exit codes: 0 printed, 2 usage error.`,
  doctor: `Usage: imds-guard doctor [options]

Checks, per account and region, what an imds-guard deployment needs and
whether it is there, each with the fix: a CloudTrail trail logging management
events, AWS Config recording the resource types, Security Hub CSPM and the
controls EC2.8 / AutoScaling.3 / EC2.170, the Lambda concurrency quota against
ReserveConcurrency, a declarative policy managing the account default, the
imds-guard stack and its version, and when its sweep last ran.
${optionsHelp('doctor')}

Exit codes:
  0  everything the deployment needs is there
  1  something is missing (each with its fix), or could not be checked
  2  usage or credential error`,
  rollback: `Usage: imds-guard rollback (--instance ID | --tag K=V | --since T)... [options]

Puts back exactly the metadata options imds-guard recorded on an instance
before it switched it to IMDSv2 (tag imds-guard:previous), and marks it
(imds-guard:rolled-back) so imds-guard never switches it again automatically
until a person removes the mark. What the watch does by itself when IMDSv1
calls are rejected after a switch. Selections combine (all must match).
${optionsHelp('rollback')}

Exit codes: 0 all selected rolled back (or planned), 1 something failed or
had no readable record, 2 usage or credential error.`,
};

// ── parsing ──────────────────────────────────────────────────────────────────

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

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parserConfig(command: Command): NonNullable<ParseArgsConfig['options']> {
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const name of COMMAND_OPTIONS[command]) {
    const spec = OPTIONS[name] as OptionSpec;
    config[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  return config;
}

function parseWith(command: Command, args: string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: parserConfig(command), strict: true, allowPositionals: true });
    return { values: values as Values, positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${command}: ${message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.$/, '')}`);
  }
}

/** The value of an option given under its name or an alias, and the name used; both with different values is a mistake. */
function aliased(command: Command, values: Values, name: string): { value?: string; flag: string } {
  const alias = Object.keys(OPTIONS).find((n) => OPTIONS[n]?.aliasOf === name && values[n] !== undefined);
  const main = values[name] as string | undefined;
  const other = alias !== undefined ? (values[alias] as string | undefined) : undefined;
  if (main !== undefined && other !== undefined && main !== other) {
    throw new UsageError(`${command}: --${name} and --${alias} are the same option; give it once`);
  }
  if (main !== undefined) return { value: main, flag: `--${name}` };
  if (other !== undefined) return { value: other, flag: `--${alias}` };
  return { flag: `--${name}` };
}

function outFileFrom(command: Command, values: Values): string | undefined {
  const { value: file, flag } = aliased(command, values, 'out-file');
  if (file !== undefined && file.trim() === '') throw new UsageError(`${command}: ${flag} needs a file name`);
  return file;
}

function formatFrom(command: Command, values: Values, outFile: string | undefined): Format {
  const allowed = COMMAND_FORMATS[command];
  const { value, flag } = aliased(command, values, 'output');
  if (value !== undefined) {
    if ((allowed as readonly string[]).includes(value)) return value as Format;
    // Before 0.2 --output took a file name; say where that went.
    if (/[./\\]/.test(value)) {
      throw new UsageError(`${command}: ${flag} is the format (${allowed.join(', ')}), as in the AWS CLI; to write a file use --out-file ${value}`);
    }
    throw new UsageError(`${command}: ${flag} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
  }
  const ext = outFile?.toLowerCase().match(/\.(json|csv|html?)$/)?.[1];
  const inferred = ext === 'htm' ? 'html' : (ext as Format | undefined);
  if (inferred !== undefined && allowed.includes(inferred)) return inferred;
  return allowed.includes('table') ? 'table' : (allowed[0] as Format);
}

function connection(command: Command, values: Values): ConnectionOptions {
  const out: ConnectionOptions = { debug: values.debug === true };
  const profile = values.profile as string | undefined;
  if (profile !== undefined) {
    if (profile.trim() === '') throw new UsageError(`${command}: --profile needs a profile name`);
    out.profile = profile.trim();
  }
  const endpoint = values['endpoint-url'] as string | undefined;
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new UsageError(`${command}: --endpoint-url must be an http:// or https:// URL, not ${JSON.stringify(endpoint)}`);
    }
    out.endpointUrl = endpoint;
  }
  const timeout = values['request-timeout'] as string | undefined;
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (!/^\d+$/.test(timeout.trim()) || n < REQUEST_TIMEOUT_MS.min || n > REQUEST_TIMEOUT_MS.max) {
      throw new UsageError(
        `${command}: --request-timeout must be a whole number of milliseconds from ${REQUEST_TIMEOUT_MS.min} to ${REQUEST_TIMEOUT_MS.max}, not ${JSON.stringify(timeout)}`,
      );
    }
    out.requestTimeoutMs = n;
  }
  return out;
}

// ---- organization (--org) and doctor ----
const PARENT_PATTERN = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/** The --org block; the other organization flags need --org. */
function orgFrom(command: Command, values: Values): OrgOptions | undefined {
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
  for (const a of accounts) if (!ACCOUNT_ID.test(a)) throw new UsageError(`${command}: --accounts ${JSON.stringify(a)} is not a 12-digit account id`);
  for (const o of ous) if (!PARENT_PATTERN.test(o)) throw new UsageError(`${command}: --ou ${JSON.stringify(o)} is not an OU id (ou-…) or root id (r-…)`);
  let n = DEFAULT_ORG_CONCURRENCY;
  if (concurrency !== undefined) {
    n = Number(concurrency);
    if (!/^\d+$/.test(concurrency.trim()) || n < 1 || n > 64) throw new UsageError(`${command}: --concurrency must be a whole number from 1 to 64, not ${JSON.stringify(concurrency)}`);
  }
  return { roleName: roleName ?? DEFAULT_MEMBER_ROLE, accounts, ous, concurrency: n };
}

function withOrg<T extends { org?: OrgOptions }>(options: T, org: OrgOptions | undefined): T {
  return org ? { ...options, org } : options;
}

function regionsFrom(command: Command, values: Values): { regions: string[]; allRegions: boolean } {
  const regions = unique(listOf(values.region as string[] | undefined));
  for (const region of regions) {
    if (!REGION_PATTERN.test(region)) throw new UsageError(`${command}: ${JSON.stringify(region)} is not a region name (like eu-west-1)`);
  }
  const allRegions = values['all-regions'] === true;
  if (allRegions && regions.length > 0) throw new UsageError(`${command}: use either --region or --all-regions, not both`);
  return { regions, allRegions };
}

function doctor(values: Values): DoctorOptions {
  const outFile = outFileFrom('doctor', values);
  const options: DoctorOptions = {
    command: 'doctor',
    ...connection('doctor', values),
    ...regionsFrom('doctor', values),
    format: formatFrom('doctor', values, outFile),
  };
  if (outFile !== undefined) options.outFile = outFile;
  const stackName = values['stack-name'] as string | undefined;
  if (stackName !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) throw new UsageError(`doctor: --stack-name ${JSON.stringify(stackName)} is not a CloudFormation stack name`);
    options.stackName = stackName;
  }
  return withOrg(options, orgFrom('doctor', values));
}
// ---- end of organization and doctor ----

function common(command: 'scan' | 'fix' | 'rollback', values: Values): CommonOptions {
  const { regions, allRegions } = regionsFrom(command, values);

  const kinds = unique(listOf(values.kind as string[] | undefined));
  for (const kind of kinds) {
    if (!(KIND_NAMES as readonly string[]).includes(kind)) {
      throw new UsageError(`${command}: --kind ${JSON.stringify(kind)} is not one of ${KIND_NAMES.join(', ')}`);
    }
  }

  const outFile = outFileFrom(command, values);
  const out: CommonOptions = {
    ...connection(command, values),
    regions,
    allRegions,
    kinds: kinds.length > 0 ? KIND_NAMES.filter((k) => kinds.includes(k)) : [...KIND_NAMES],
    explicitKinds: kinds.length > 0,
    format: formatFrom(command, values, outFile),
  };
  if (outFile !== undefined) out.outFile = outFile;

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

  const { values, positionals } = parseWith(first, args);
  noPositionals(first, positionals);
  switch (first) {
    case 'scan':
      return { action: 'run', options: withOrg<ScanOptions>({ command: 'scan', ...common('scan', values) }, orgFrom('scan', values)) };
    case 'fix': {
      const dryRun = values['dry-run'] === true;
      const yes = values.yes === true;
      if (dryRun && yes) throw new UsageError('fix: --dry-run and --yes contradict each other');
      const deleteSuperseded = values['delete-superseded'] === true;
      const evenIfUnrecreatable = values['even-if-unrecreatable'] === true;
      if (evenIfUnrecreatable && !deleteSuperseded) throw new UsageError('fix: --even-if-unrecreatable only goes with --delete-superseded');
      return {
        action: 'run',
        options: withOrg<FixOptions>(
          {
            command: 'fix',
            ...common('fix', values),
            dryRun,
            yes,
            overrideUsageUnknown: values['override-usage-unknown'] === true,
            deleteSuperseded,
            evenIfUnrecreatable,
          },
          orgFrom('fix', values),
        ),
      };
    }
    case 'doctor':
      return { action: 'run', options: doctor(values) };
    case 'guardrails': {
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
      const outFile = outFileFrom('guardrails', values);
      formatFrom('guardrails', values, undefined); // only json; validates --output
      if (outFile !== undefined) options.outFile = outFile;
      if (values['http-tokens-enforced'] === true) options.httpTokensEnforced = true; // issue 12
      return { action: 'run', options };
    }
    case 'rollback':
      return { action: 'run', options: parseRollback(values) };
  }
}

/** The one-line pointer to help after a usage error. */
export function hintFor(argv: readonly string[]): string {
  const first = argv[0];
  return isCommand(first) ? `Try 'imds-guard ${first} --help' for more information.` : "Try 'imds-guard --help' for more information.";
}


function parseRollback(values: Values): RollbackOptions {
  const instanceIds = unique(listOf(values.instance as string[] | undefined));
  for (const id of instanceIds) if (!INSTANCE_ID.test(id)) throw new UsageError(`rollback: --instance ${JSON.stringify(id)} is not an instance id`);
  const tags = ((values.tag as string[] | undefined) ?? []).map((t) => {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new UsageError(`rollback: --tag ${JSON.stringify(t)} must be KEY=VALUE`);
    return { key: t.slice(0, eq), value: t.slice(eq + 1) };
  });
  const sinceText = values.since as string | undefined;
  let since: Date | undefined;
  if (sinceText !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(sinceText.trim()) || Number.isNaN(Date.parse(sinceText))) {
      throw new UsageError(`rollback: --since ${JSON.stringify(sinceText)} is not an ISO 8601 time`);
    }
    since = new Date(sinceText);
  }
  if (instanceIds.length === 0 && tags.length === 0 && since === undefined) {
    throw new UsageError('rollback: name what to roll back with --instance, --tag or --since');
  }
  const dryRun = values['dry-run'] === true;
  const yes = values.yes === true;
  if (dryRun && yes) throw new UsageError('rollback: --dry-run and --yes contradict each other');
  const options: RollbackOptions = {
    command: 'rollback',
    ...common('rollback', values),
    kinds: ['instance'],
    explicitKinds: true,
    instanceIds,
    tags,
    dryRun,
    yes,
  };
  if (since) options.since = since;
  return options;
}
