/**
 * Every setting a function reads is reachable where it runs: a template
 * parameter of the template that deploys the function and an SST setting of
 * the stage that deploys it (setting the SST variable changes what the
 * function gets), or listed in docs/settings.md as fixed on purpose, with the
 * reason. "Reads" comes from the function's own code: the environment
 * variable names in its bundle without its dependencies (comments are not
 * bundled), plus the few settings a library reads for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderMemberTemplate, type CfnTemplate, type Json } from '../../infra/cloudformation.js';
import { parameterValues, SST_SETTING, stageConfig } from '../../infra/config.js';
import { FUNCTIONS } from '../../infra/functions.js';
import { HUB, renderHubTemplate } from '../../infra/hub.js';
import type { ParameterName } from '../../infra/model.js';
import { PARAMETERS } from '../../infra/parameters.js';
import { sstHubEnvironment, sstRegionPlan } from '../../infra/sst-args.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Read by a library on the functions' behalf (Powertools, the AWS SDK), so not named in our code. */
const LIBRARY_SETTINGS = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_DISABLED', 'AWS_RETRY_MODE'];

/** The environment variables a function's own code names (its dependencies left out of the bundle). */
async function settingsRead(name: string): Promise<string[]> {
  const result = await build({ entryPoints: [join(ROOT, 'functions', `${name}.ts`)], bundle: true, platform: 'node', format: 'esm', packages: 'external', write: false, logLevel: 'error' });
  const code = result.outputFiles[0]!.text;
  return [...new Set([...(code.match(/\b(?:IMDS_GUARD|POWERTOOLS|AWS)_[A-Z0-9_]+\b/g) ?? []), ...LIBRARY_SETTINGS])].sort();
}

/** docs/settings.md (the README before the docs pages exist): the table under "Fixed on purpose", name → reason. */
function fixedOnPurpose(): Map<string, string> {
  const page = join(ROOT, 'docs', 'settings.md');
  const text = readFileSync(existsSync(page) ? page : join(ROOT, 'README.md'), 'utf8');
  const start = text.search(/^#+ .*[Ff]ixed on purpose/m);
  expect(start, 'a "Fixed on purpose" section in docs/settings.md').toBeGreaterThanOrEqual(0);
  const section = text.slice(start).split(/\n#+ /)[0]!;
  const out = new Map<string, string>();
  // | what | setting | value in the deployed functions | why |: the names in the second column, the reason in the last.
  for (const line of section.split('\n').filter((l) => l.startsWith('| ') && l.includes('`'))) {
    const cells = line.split('|').map((c) => c.trim());
    for (const [, name] of cells[2]!.matchAll(/`([A-Z0-9_]+)`/g)) out.set(name!, cells.at(-2)!);
  }
  return out;
}

/** A valid value of a parameter other than its default (the SST variable is set to it). */
const SAMPLES: Partial<Record<ParameterName | 'MemberAccounts', string>> = {
  RemediateKinds: 'instance',
  ExemptTagKey: 'legacy',
  WaveTag: 'team',
  ExemptLaunchConfigurations: 'old-config',
  ExemptAccountDefaultRegions: 'eu-west-1',
  MemberRoleName: 'org-imds',
  MemberAccounts: '111122223333',
};
function sample(name: ParameterName | 'MemberAccounts'): string {
  if (SAMPLES[name]) return SAMPLES[name]!;
  const p = PARAMETERS[name as ParameterName];
  if (p.allowedValues) return p.allowedValues.find((v) => v !== p.default)!;
  if (p.type === 'Number') return String(p.minValue !== undefined && String(p.minValue) !== p.default ? p.minValue : p.maxValue);
  throw new Error(`no sample value for ${name}: add one to SAMPLES`);
}

/** What the SST stage gives the function for that setting when its SST variable is set. */
function sstValue(fn: string, setting: string, env: Record<string, string>): string | undefined {
  if (fn === HUB.function.name) {
    const config = stageConfig('hub', env);
    return sstHubEnvironment(parameterValues(config, { bucketPrefix: 'b', version: 'v' }), config.hub!)[setting];
  }
  const values = { ...parameterValues(stageConfig('dev', env), { bucketPrefix: 'b', version: 'v' }), EnableConfigRule: 'true', EnableSecurityHubAction: 'true' };
  return sstRegionPlan({ region: 'eu-west-1', stage: 'dev', values, bundleOf: (n) => n }).functions.find((f) => f.name === fn)?.args.environment[setting];
}

const member = renderMemberTemplate({ artifactVersion: '1' });
const hub = renderHubTemplate({ artifactVersion: '1' });
const deployed: [string, CfnTemplate, string][] = [...FUNCTIONS.map((f): [string, CfnTemplate, string] => [f.name, member, `${f.id}Function`]), [HUB.function.name, hub, 'HubActionFunction']];

describe('every setting a function reads is reachable where it runs', () => {
  const reads = new Map<string, string[]>();
  const fixed = fixedOnPurpose();
  beforeAll(async () => {
    for (const [name] of deployed) reads.set(name, await settingsRead(name));
  });

  it('finds the settings in the code (the request timeout, tracing and the log level among them)', () => {
    for (const [name] of deployed) {
      expect(reads.get(name), name).toEqual(expect.arrayContaining(['IMDS_GUARD_MODE', 'IMDS_GUARD_REQUEST_TIMEOUT_MS', 'IMDS_GUARD_TRACING', 'POWERTOOLS_LOG_LEVEL']));
    }
    expect(reads.get('sweep')).toEqual(expect.arrayContaining(['IMDS_GUARD_STATE_BUCKET', 'IMDS_GUARD_FINDING_REFRESH_DAYS']));
    expect(reads.get('hub-action')).toEqual(expect.arrayContaining(['IMDS_GUARD_MEMBER_ROLE', 'IMDS_GUARD_MEMBER_ACCOUNTS']));
  });

  it.each(deployed.map(([name]) => name))('%s: each is a template parameter and an SST setting, or fixed on purpose with a reason', (name) => {
    const [, template, id] = deployed.find(([n]) => n === name)!;
    const env = (template.Resources[id]!.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    for (const setting of reads.get(name)!) {
      const reason = fixed.get(setting);
      const ref = (env[setting] as { Ref?: string } | undefined)?.Ref;
      if (reason !== undefined) {
        expect(reason.length, `${setting}: the reason it is fixed`).toBeGreaterThan(20);
        expect(ref, `${setting} is fixed, yet a parameter sets it`).toBeUndefined();
        continue;
      }
      expect(ref, `${name} reads ${setting}: neither a template parameter nor fixed on purpose in docs/settings.md`).toBeDefined();
      expect(template.Parameters[ref!], `${setting} → ${ref}`).toBeDefined();
      const sst = SST_SETTING[ref as ParameterName];
      expect(sst, `${ref} has no SST setting`).toBeDefined();
      const value = sample(ref as ParameterName);
      expect(sstValue(name, setting, { [sst!]: value }), `${sst}=${value} reaches ${setting} of ${name}`).toBe(value);
    }
  });

  it('lists nothing as fixed that no function reads', () => {
    const all = new Set([...reads.values()].flat());
    for (const name of fixed.keys()) expect(all, name).toContain(name);
  });

  it('grants X-Ray only with tracing on, and turns active tracing on with it', () => {
    for (const template of [member, hub]) {
      const xray = Object.entries(template.Resources).filter(([, r]) => JSON.stringify(r.Properties).includes('xray:PutTraceSegments'));
      expect(xray.length).toBeGreaterThan(0);
      for (const [id, r] of xray) expect(r.Condition, id).toBe('TracingEnabled');
      for (const [, r] of Object.entries(template.Resources).filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && id !== 'ActionTargetProvider')) {
        expect(r.Properties.TracingConfig).toEqual({ Mode: { 'Fn::If': ['TracingEnabled', 'Active', 'PassThrough'] } });
      }
      expect(template.Parameters.Tracing).toMatchObject({ Default: 'false', AllowedValues: ['true', 'false'] });
      expect(template.Conditions.TracingEnabled).toEqual({ 'Fn::Equals': [{ Ref: 'Tracing' }, 'true'] });
    }
  });
});
