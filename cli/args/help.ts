/**
 * The help texts: the usage of every command, its option lines drawn from the
 * option table (./options.ts) by section, wrapped at 80 columns, and the exit
 * codes.
 */
import { COMMAND_FORMATS, COMMAND_OPTIONS, OPTIONS, SECTIONS, type Command, type OptionSpec } from './options.js';

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

With --org the report is written as each account-region finishes (table,
json, jsonl, csv), so memory does not grow with the organization; the HTML
report lists --html-rows resources and counts all of them.
${optionsHelp('scan')}
${EXIT_HELP}`,
  fix: `Usage: imds-guard fix [options]

Requires IMDSv2 on non-compliant resources through the remediation engine,
with the same gates as the pipeline (exempt tag, IMDSv1 still in use, usage
unknown, disabled endpoint, hop limit kept). Shows the plan, then asks for
confirmation unless --yes. With --org each account-region is planned (with
--yes also fixed) and written in turn; without --yes every account-region is
planned first, and the organization's totals are asked about once, before
any change.
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
       imds-guard rollback --account-enforcement [--region R]... [options]

Puts back exactly the metadata options imds-guard recorded on an instance
before it switched it to IMDSv2 (tag imds-guard:previous), reads them back,
and marks it (imds-guard:rolled-back) so imds-guard never switches it again
automatically until a person removes the mark. What the watch does by itself
when IMDSv1 calls are rejected after a switch. Selections combine (all must
match). Where the account enforces IMDSv2 (HttpTokensEnforced) AWS refuses
to switch an instance back: that is said up front, per region.

--account-enforcement switches the regions' IMDSv2 enforcement off again
(what the watch after graduation does when launches are refused), reads it
back, and marks the account-region in the member stack's state bucket
(IMDS_GUARD_STATE_BUCKET, or the bucket of the imds-guard stack found in the
region) so no graduation follows until a person clears the mark.
${optionsHelp('rollback')}

Exit codes: 0 all selected rolled back (or planned), 1 something failed or
had no readable record, 2 usage or credential error.`,
};
