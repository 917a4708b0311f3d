/**
 * Command-line parsing and validation (node:util parseArgs) → typed options
 * (./options.ts). Every mistake is a UsageError (exit 2) that names the bad
 * argument; the runner prints it on one line with a pointer to `--help`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isWatched, KIND_NAMES } from '../../shared/kinds/registry.js';
import { ACCOUNT_ID } from '../../shared/validate.js';
import { INSTANCE_ID } from '../../shared/kinds/instance/id.js';
import { UsageError } from '../errors.js';
import { USAGE } from './help.js';
import {
  COMMAND_FORMATS,
  COMMAND_OPTIONS,
  COMMANDS,
  DEFAULT_HTML_ROWS,
  DEFAULT_MEMBER_ROLE,
  DEFAULT_ORG_CONCURRENCY,
  MAX_HTML_ROWS,
  OPTIONS,
  REQUEST_TIMEOUT_MS,
  type Command,
  type CommandOptions,
  type CommonOptions,
  type ConnectionOptions,
  type DoctorOptions,
  type FixOptions,
  type Format,
  type GuardrailsOptions,
  type OptionSpec,
  type OrgOptions,
  type RollbackOptions,
  type ScanOptions,
} from './options.js';

export type Parsed =
  | { action: 'run'; options: CommandOptions }
  | { action: 'help'; text: string }
  | { action: 'version' };

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
  const ext = outFile?.toLowerCase().match(/\.(jsonl|json|csv|html?)$/)?.[1];
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

/** --html-rows: only with --org and --output html, where the report would otherwise list every resource of the organization. */
function htmlRowsFrom(values: Values, options: ScanOptions): number {
  const text = values['html-rows'] as string | undefined;
  if (text === undefined) return DEFAULT_HTML_ROWS;
  if (!options.org) throw new UsageError('scan: --html-rows needs --org');
  if (options.format !== 'html') throw new UsageError('scan: --html-rows only goes with --output html');
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > MAX_HTML_ROWS) throw new UsageError(`scan: --html-rows must be a whole number from 0 to ${MAX_HTML_ROWS}, not ${JSON.stringify(text)}`);
  return n;
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
    case 'scan': {
      const options = withOrg<ScanOptions>({ command: 'scan', ...common('scan', values), htmlRows: DEFAULT_HTML_ROWS }, orgFrom('scan', values));
      return { action: 'run', options: { ...options, htmlRows: htmlRowsFrom(values, options) } };
    }
    case 'fix': {
      const dryRun = values['dry-run'] === true;
      const yes = values.yes === true;
      if (dryRun && yes) throw new UsageError('fix: --dry-run and --yes contradict each other');
      const deleteSuperseded = values['delete-superseded'] === true;
      const evenIfUnrecreatable = values['even-if-unrecreatable'] === true;
      if (evenIfUnrecreatable && !deleteSuperseded) throw new UsageError('fix: --even-if-unrecreatable only goes with --delete-superseded');
      const enforceAccount = values['enforce-account'] === true;
      // The stage needs every kind read; --enforce-account changes only the account default.
      if (enforceAccount && values.kind !== undefined) throw new UsageError('fix: --enforce-account reads every kind to tell the stage; it does not go with --kind');
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
            enforceAccount,
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
      if (values['http-tokens-enforced'] === true) options.httpTokensEnforced = true;
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
  const accountEnforcement = values['account-enforcement'] === true;
  if (accountEnforcement && (instanceIds.length > 0 || tags.length > 0 || since !== undefined)) {
    throw new UsageError("rollback: --account-enforcement rolls back a region's enforcement, not instances: run it apart from --instance, --tag and --since");
  }
  if (!accountEnforcement && instanceIds.length === 0 && tags.length === 0 && since === undefined) {
    throw new UsageError('rollback: name what to roll back with --instance, --tag or --since (or --account-enforcement)');
  }
  const dryRun = values['dry-run'] === true;
  const yes = values.yes === true;
  if (dryRun && yes) throw new UsageError('rollback: --dry-run and --yes contradict each other');
  const options: RollbackOptions = {
    command: 'rollback',
    ...common('rollback', values),
    kinds: KIND_NAMES.filter(isWatched), // rollback undoes watched flips only
    explicitKinds: true,
    instanceIds,
    tags,
    accountEnforcement,
    dryRun,
    yes,
  };
  if (since) options.since = since;
  return options;
}
