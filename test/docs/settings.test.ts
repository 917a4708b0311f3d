/**
 * docs/settings.md against the code, so the settings reference cannot drift:
 * every environment variable the code names is in a table there, every
 * template parameter of the member and hub templates (rendered here, as the
 * build renders them) is in its table, and each documented default is the
 * one the code or the template uses. Documented names the code no longer has
 * fail too.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderMemberTemplate, type CfnTemplate } from '../../infra/cloudformation.js';
import { parameterValues, stageConfig, STAGE_ENV } from '../../infra/config.js';
import { renderHubTemplate } from '../../infra/hub.js';
import { SETTING_PARAMETERS } from '../../infra/parameters.js';
import { clientConfig, requestTimeoutMs } from '../../shared/aws/clients.js';
import { ACTION_SETTINGS, loadActionSettings } from '../../shared/custom-action/parse.js';
import { DEFAULT_POLICY, loadPolicy, SETTINGS, type Policy } from '../../shared/policy.js';
import { refreshDaysFromEnv } from '../../shared/sinks/published.js';
import { tracingEnabled } from '../../shared/lambda/trace.js';
import { codeSpans, tables, type Table } from './markdown.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PAGE = readFileSync(join(ROOT, 'docs/settings.md'), 'utf8');
const TABLES = tables(PAGE);

// ── what the page says ──────────────────────────────────────────────────────

/** A documented default: a `value`, the word empty, the word unset, or words (e.g. "required for `org`"). */
type Default = { value: string } | { empty: true } | { unset: true } | { text: string };

function parseDefault(cell: string): Default {
  if (cell.startsWith('`')) return { value: codeSpans(cell)[0]! };
  if (/^empty\b/.test(cell)) return { empty: true };
  if (/^unset\b/.test(cell)) return { unset: true };
  return { text: cell };
}

/** Empty and unset mean the same to a reader of the environment (`?.trim()` then a fallback). */
function sameDefault(a: Default, b: Default): boolean {
  const norm = (d: Default) => ('value' in d ? `=${d.value}` : 'text' in d ? `~${d.text}` : 'none');
  return norm(a) === norm(b);
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*(<[A-Z]+>)?$/;
const ENV_COLUMNS = ['function setting', 'env var', 'SST env var', 'SST setting (`hub` stage)'];

interface Row {
  table: Table;
  cells: Record<string, string>;
  default: Default;
}

function rowsOf(table: Table): Row[] {
  return table.rows.map((r) => {
    const cells = Object.fromEntries(table.header.map((h, i) => [h, r[i] ?? '']));
    return { table, cells, default: parseDefault(cells.default ?? '') };
  });
}

// "Fixed on purpose" lists settings no parameter changes, with their deployed value: test/infra/settings.test.ts checks it.
const ROWS = TABLES.filter((t) => t.heading !== 'Fixed on purpose').flatMap(rowsOf);

/** Environment variable names a row documents (a cell may name two, e.g. `AWS_REGION`, `AWS_DEFAULT_REGION`). */
function envNames(row: Row): string[] {
  return ENV_COLUMNS.flatMap((c) => codeSpans(row.cells[c] ?? '')).filter((n) => ENV_NAME.test(n) && !/^\d/.test(n));
}

function rowsFor(name: string): Row[] {
  return ROWS.filter((r) => envNames(r).includes(name));
}

/** The one row that documents `name` in a table whose first column is that name (the main entry). */
function mainRow(name: string): Row {
  const rows = ROWS.filter((r) => codeSpans(r.cells[r.table.header[0]!] ?? '').includes(name));
  expect(rows.length, `${name}: one row in docs/settings.md whose first column names it`).toBe(1);
  return rows[0]!;
}

/** The table straight under the heading `section` (not under one of its sub-headings). */
function tableUnder(section: string): Table {
  const found = TABLES.filter((t) => t.heading === section);
  expect(found, `one table under "${section}"`).toHaveLength(1);
  return found[0]!;
}

function documentedParameters(section: string): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const row of rowsOf(tableUnder(section))) {
    const p = codeSpans(row.cells[row.table.header[0]!] ?? '')[0];
    expect(p, `${section}: a parameter in the first column`).toBeDefined();
    out.set(p!, row);
  }
  return out;
}

// ── what the code says ──────────────────────────────────────────────────────

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = join(dir, f);
    if (statSync(full).isDirectory()) return sources(full);
    return f.endsWith('.ts') ? [full] : [];
  });
}

const SOURCE = [...['shared', 'functions', 'cli', 'infra'].flatMap((d) => sources(join(ROOT, d))), join(ROOT, 'sst.config.ts')]
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

/**
 * The variables the code names: every `IMDS_GUARD_*` anywhere, and the AWS /
 * Powertools variables it reads or sets itself (`env.X`, `env['X']`,
 * `read(env, 'X')`), not those it only mentions.
 */
function namedInCode(): Set<string> {
  const names = new Set<string>();
  for (const m of SOURCE.matchAll(/\bIMDS_GUARD_[A-Z0-9_]*[A-Z0-9]\b/g)) names.add(m[0]);
  for (const m of SOURCE.matchAll(/env(?:\.|\[['"])((?:AWS|POWERTOOLS)_[A-Z0-9_]+)/g)) names.add(m[1]!);
  for (const m of SOURCE.matchAll(/read\(env, '((?:AWS|POWERTOOLS)_[A-Z0-9_]+)'\)/g)) names.add(m[1]!);
  return names;
}

/** A documented name covers a code name; `AWS_ENDPOINT_URL_<SERVICE>` covers `AWS_ENDPOINT_URL_S3`. */
function covers(documented: string, name: string): boolean {
  if (!documented.includes('<')) return documented === name;
  return new RegExp(`^${documented.replace(/<[A-Z]+>/g, '[A-Z0-9_]+')}$`).test(name);
}

const MEMBER = renderMemberTemplate();
const HUB = renderHubTemplate();

function templateDefault(t: CfnTemplate, p: string): string | undefined {
  const d = (t.Parameters as Record<string, { Default?: unknown }> | undefined)?.[p]?.Default;
  return d === undefined ? undefined : String(d);
}

function expectTemplateDefault(where: string, documented: Default, actual: string | undefined): void {
  expect(actual, `${where}: the template gives it a default`).toBeDefined();
  if (actual === '') expect('empty' in documented || 'unset' in documented, `${where}: documented as empty (template default "")`).toBe(true);
  else expect(documented, `${where}: documented default`).toEqual({ value: actual });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('docs/settings.md names every setting the code reads', () => {
  const documented = [...new Set(ROWS.flatMap(envNames))];

  it('finds the settings in the code (the scan works)', () => {
    const names = namedInCode();
    for (const name of [...Object.values(SETTINGS), ...Object.values(STAGE_ENV), ...Object.values(ACTION_SETTINGS)]) expect(names).toContain(name);
  });

  it('every environment variable the code names is in a settings table', () => {
    const missing = [...namedInCode()].filter((name) => !documented.some((d) => covers(d, name)));
    expect(missing).toEqual([]);
  });

  it('every documented variable still exists in the code', () => {
    const stale = documented.filter((d) => {
      const pattern = new RegExp(`\\b${d.replace(/<[A-Z]+>/g, '')}`);
      return !pattern.test(SOURCE);
    });
    expect(stale).toEqual([]);
  });

  it('a variable documented in several tables has the same default in each', () => {
    for (const name of documented) {
      const defaults = rowsFor(name).map((r) => r.default);
      for (const d of defaults) expect(sameDefault(d, defaults[0]!), `${name}: ${JSON.stringify(defaults)}`).toBe(true);
    }
  });
});

describe('function settings: documented defaults are the code defaults', () => {
  const policyKeys = Object.keys(SETTINGS) as (keyof Policy)[];

  it.each(policyKeys)('%s (shared/policy.ts)', (key) => {
    const name = SETTINGS[key];
    const row = mainRow(name);
    expect(row.table.section).toBe('Function settings');
    const documented = row.default;
    const fallback = DEFAULT_POLICY[key];
    if ('value' in documented) {
      // The documented default, given as the setting, is what the code uses when it is not set.
      expect(documented.value).not.toBe('');
      expect(loadPolicy({ [name]: documented.value })[key], name).toEqual(fallback);
    } else {
      expect('empty' in documented || 'unset' in documented, `${name}: a default value, empty or unset`).toBe(true);
      expect(fallback === '' || (Array.isArray(fallback) && fallback.length === 0), `${name}: the code's default ${JSON.stringify(fallback)} is empty`).toBe(true);
    }
  });

  /** Settings read outside shared/policy.ts, each with the code's own answer when it is not set. */
  const others: Record<string, () => string | undefined> = {
    IMDS_GUARD_REQUEST_TIMEOUT_MS: () => String(requestTimeoutMs({})),
    IMDS_GUARD_FINDING_REFRESH_DAYS: () => String(refreshDaysFromEnv({})),
    IMDS_GUARD_TRACING: () => String(tracingEnabled({})),
    [ACTION_SETTINGS.memberRole]: () => loadActionSettings({}).memberRole,
    [ACTION_SETTINGS.memberAccounts]: () => (loadActionSettings({}).memberAccounts === undefined ? undefined : 'set'),
    AWS_MAX_ATTEMPTS: () => {
      vi.stubEnv('AWS_MAX_ATTEMPTS', undefined);
      return String(clientConfig('us-east-1').maxAttempts);
    },
  };

  it.each(Object.keys(others))('%s', (name) => {
    const documented = mainRow(name).default;
    const actual = others[name]!();
    if (actual === undefined) expect('unset' in documented || 'empty' in documented, `${name}: documented as unset`).toBe(true);
    else expect(documented, name).toEqual({ value: actual });
  });

  it('a template parameter named beside a function setting has the default the setting documents', () => {
    const rows = rowsOf(tableUnder('Function settings')).filter((r) => codeSpans(r.cells['template parameter'] ?? '').length > 0);
    expect(rows.length).toBeGreaterThan(Object.keys(SETTINGS).length);
    for (const row of rows) {
      const p = codeSpans(row.cells['template parameter']!)[0]!;
      const template = row.cells['template parameter']!.includes('(hub)') ? HUB : MEMBER;
      expectTemplateDefault(`${codeSpans(row.cells['function setting']!)[0]} / ${p}`, row.default, templateDefault(template, p));
    }
  });

  it('POWERTOOLS_SERVICE_NAME is what the template sets on the pipeline functions', () => {
    const documented = mainRow('POWERTOOLS_SERVICE_NAME').default;
    const environments = Object.values(MEMBER.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((f) => (f.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables)
      .filter((v) => v !== undefined);
    expect(environments.length).toBeGreaterThanOrEqual(5);
    for (const vars of environments) expect(documented).toEqual({ value: vars.POWERTOOLS_SERVICE_NAME });
  });
});

describe('template parameters: every one documented with the template default', () => {
  for (const [section, template] of [
    ['Member template parameters', MEMBER],
    ['Hub template parameters', HUB],
  ] as const) {
    it(`${section}: every parameter, and no parameter the template lacks`, () => {
      const documented = documentedParameters(section);
      const actual = Object.keys(template.Parameters ?? {});
      expect([...documented.keys()].sort()).toEqual([...actual].sort());
      for (const p of actual) expectTemplateDefault(`${section} ${p}`, documented.get(p)!.default, templateDefault(template, p));
    });
  }

  it('each pipeline setting is named as the SST variable of its parameter', () => {
    const member = documentedParameters('Member template parameters');
    for (const [key, p] of Object.entries(SETTING_PARAMETERS)) {
      expect(codeSpans(member.get(p)?.cells['SST env var'] ?? ''), p).toEqual([SETTINGS[key as keyof Policy]]);
    }
  });
});

describe('SST settings: documented defaults are what a stage deploys with', () => {
  it('every variable a stage reads is documented', () => {
    const documented = new Set(ROWS.flatMap(envNames));
    for (const name of Object.values(STAGE_ENV)) expect(documented, name).toContain(name);
  });

  it('a stage deployed with nothing set passes the template defaults the member table documents', () => {
    const member = documentedParameters('Member template parameters');
    const values = parameterValues(stageConfig('prod', {}), { bucketPrefix: templateDefault(MEMBER, 'ArtifactBucketPrefix')!, version: templateDefault(MEMBER, 'ArtifactVersion')! });
    let checked = 0;
    for (const [p, row] of member) {
      const sst = codeSpans(row.cells['SST env var'] ?? '').filter((n) => ENV_NAME.test(n));
      // "(org stage: …)", "(SST: first region)": the stage computes its own value, said in the cell.
      if (sst.length === 0 || row.cells.default!.includes('(')) continue;
      expectTemplateDefault(`SST ${sst[0]} → ${p}`, row.default, values[p as keyof typeof values]);
      checked++;
    }
    expect(checked).toBeGreaterThan(Object.keys(SETTING_PARAMETERS).length);
  });

  /** The SST-only variables: what the stage makes of the environment. */
  const ORG = { [STAGE_ENV.orgUnits]: 'r-ab12' };
  const sstOnly: Record<string, (env: Record<string, string>) => unknown> = {
    [STAGE_ENV.regions]: (env) => stageConfig('prod', env).regions.join(','),
    [STAGE_ENV.orgUnits]: (env) => stageConfig('org', env).org?.organizationalUnitIds.join(','),
    [STAGE_ENV.orgRegions]: (env) => stageConfig('org', { ...ORG, ...env }).org?.regions.join(','),
    [STAGE_ENV.callAs]: (env) => stageConfig('org', { ...ORG, ...env }).org?.callAs,
    [STAGE_ENV.stackSetName]: (env) => stageConfig('org', { ...ORG, ...env }).org?.stackSetName,
    [STAGE_ENV.failureTolerance]: (env) => String(stageConfig('org', { ...ORG, ...env }).org?.failureTolerancePercentage),
    [STAGE_ENV.maxConcurrent]: (env) => String(stageConfig('org', { ...ORG, ...env }).org?.maxConcurrentPercentage),
    [STAGE_ENV.logLevel]: (env) => stageConfig('prod', env).logLevel,
  };
  /** Read by infra/sst.ts, which runs only inside `sst deploy`; its default is "unset" (the build runs). */
  const readOnlyInsideSst = ['IMDS_GUARD_SKIP_BUILD'];

  it('the SST table holds the SST-only variables, each checked here', () => {
    const names = rowsOf(tableUnder('SST settings')).map((r) => codeSpans(r.cells['env var']!)[0]!);
    expect(names.sort()).toEqual([...Object.keys(sstOnly), ...readOnlyInsideSst].sort());
  });

  it.each(Object.keys(sstOnly))('%s', (name) => {
    const documented = mainRow(name).default;
    const stage = sstOnly[name]!;
    if ('value' in documented && /^[A-Z]+_[A-Z0-9_]+$/.test(documented.value)) {
      // The default is another variable: set it, and the stage takes its value.
      expect(stage({ [documented.value]: 'eu-west-3' }), `${name} defaults to ${documented.value}`).toBe('eu-west-3');
    } else if ('value' in documented) {
      expect(stage({}), name).toBe(documented.value);
    } else {
      expect(documented, name).toEqual({ text: expect.stringMatching(/^required for `org`/) });
      expect(() => stage({}), `${name} is required`).toThrow(name);
    }
  });
});
