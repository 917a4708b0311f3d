/**
 * The option table: every flag once (OPTIONS: name, type, help line and
 * section), the options each command takes (COMMAND_OPTIONS) and its output
 * formats, and the typed options the parser (./parse.ts) returns. The parser
 * config and the "Options" part of every help text (./help.ts) come from these
 * tables, so a new option is one entry in OPTIONS and one in COMMAND_OPTIONS.
 * Flags follow the AWS CLI where it has the same idea: `--output` is the
 * format, `--endpoint-url`, `--debug`, `--profile`, `--region`.
 */
import { KIND_NAMES } from '../../shared/kinds/registry.js';
import type { ResourceKind } from '../../shared/model.js';

/** `jsonl`: JSON Lines, one resource a line and a summary line last (streamed with --org, like csv). */
export type Format = 'table' | 'json' | 'jsonl' | 'csv' | 'html';
export const FORMATS: readonly Format[] = ['table', 'json', 'jsonl', 'csv', 'html'];
export const FIX_FORMATS: readonly Format[] = ['table', 'json', 'jsonl'];
/** doctor's and rollback's. */
export const REPORT_FORMATS: readonly Format[] = ['table', 'json'];

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
  /** --org with --output html: resources the report lists in full (the rest are counted). */
  htmlRows: number;
}

export interface FixOptions extends CommonOptions {
  command: 'fix';
  dryRun: boolean;
  yes: boolean;
  /** Passes the usage-known gate for instances without usage evidence (never the IMDSv1-in-use or exempt gates). */
  overrideUsageUnknown: boolean;
  /** Also delete superseded launch configurations (IMDS_GUARD_DELETE_SUPERSEDED=true). */
  deleteSuperseded: boolean;
  /** With deleteSuperseded: also where the account may not be able to create one again (…=even-if-unrecreatable). */
  evenIfUnrecreatable: boolean;
  /** Switch on HttpTokensEnforced where the account-region is ready (IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=true for this run), nothing else. */
  enforceAccount: boolean;
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
  /** Also set http_tokens_enforced in the declarative policy. */
  httpTokensEnforced?: boolean;
}

/** `rollback`: put back what imds-guard recorded before switching an instance. */
export interface RollbackOptions extends CommonOptions {
  command: 'rollback';
  instanceIds: string[];
  tags: { key: string; value: string }[];
  since?: Date;
  /** `--account-enforcement`: switch the account-region's HttpTokensEnforced off again and mark it. */
  accountEnforcement: boolean;
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
/** Resources an organization's HTML report lists in full (--html-rows); it stays a few MB. */
export const DEFAULT_HTML_ROWS = 5000;
/** Upper bound of --html-rows: beyond this a browser struggles with the page. */
export const MAX_HTML_ROWS = 100_000;
/** The member role the member stack creates (infra/stack.ts MEMBER_ROLE_NAME; test/cli/args/parse.test.ts keeps them equal). */
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

export const COMMANDS = ['scan', 'fix', 'guardrails', 'doctor', 'rollback'] as const;
export type Command = (typeof COMMANDS)[number];

export type Section = 'Select' | 'Where' | 'What' | 'Fix' | 'Organization' | 'Output' | 'Connection' | 'Policy';
export const SECTIONS: readonly Section[] = ['Select', 'Where', 'What', 'Fix', 'Organization', 'Policy', 'Output', 'Connection'];

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
  'html-rows': {
    type: 'string',
    arg: 'N',
    section: 'Organization',
    help: `With --output html: resources the report lists, non-compliant and most severe first (0-${MAX_HTML_ROWS}, default ${DEFAULT_HTML_ROWS}); its counts cover all, and --out-file writes every resource beside it as JSON Lines`,
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
  'enforce-account': {
    type: 'boolean',
    section: 'Fix',
    help: 'Switch on AWS enforcement (HttpTokensEnforced) on the account default of each account-region that is ready; reads every kind for the stage, plans nothing else',
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
  // rollback
  instance: { type: 'string', multiple: true, arg: 'ID', section: 'Select', help: 'An instance id; repeatable' },
  tag: { type: 'string', multiple: true, arg: 'KEY=VALUE', section: 'Select', help: 'Instances with this tag; repeatable' },
  since: {
    type: 'string',
    arg: 'TIME',
    section: 'Select',
    help: 'Everything imds-guard switched at or after TIME (ISO 8601, e.g. 2026-05-01 or 2026-05-01T10:00:00Z)',
  },
  'account-enforcement': {
    type: 'boolean',
    section: 'Select',
    help: "Switch each region's IMDSv2 enforcement (HttpTokensEnforced) off again, and mark it so no graduation follows until a person clears the mark",
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
  scan: [...WHERE_WHAT, ...ORG, 'html-rows', ...OUTPUT, ...CONNECTION, 'help'],
  fix: ['dry-run', 'yes', 'override-usage-unknown', 'delete-superseded', 'even-if-unrecreatable', 'enforce-account', ...WHERE_WHAT, ...ORG, ...OUTPUT, ...CONNECTION, 'help'],
  guardrails: ['policy', 'exempt-principal', 'max-hop-limit', 'http-tokens-enforced', ...OUTPUT, 'help'],
  doctor: ['region', 'all-regions', 'stack-name', ...ORG, ...OUTPUT, ...CONNECTION, 'help'],
  rollback: ['instance', 'tag', 'since', 'account-enforcement', 'dry-run', 'yes', 'region', 'all-regions', ...OUTPUT, ...CONNECTION, 'help'],
};

export const COMMAND_FORMATS: Record<Command, readonly Format[]> = { scan: FORMATS, fix: FIX_FORMATS, guardrails: ['json'], doctor: REPORT_FORMATS, rollback: REPORT_FORMATS };
