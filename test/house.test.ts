/**
 * The shape of the source tree (docs/architecture.md), checked so it cannot
 * drift: no import circle, each kind's folder self-contained, the engine free
 * of the Lambda runtime, the vocabulary free of kinds, and kind names spelt
 * out in the product's code (shared, cli, functions, infra) only inside
 * shared/kinds/ or where a comment below says why; tests and benches build
 * estates of every kind and may name them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KIND_NAMES } from '../shared/model.js';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const SOURCE_DIRS = ['shared', 'cli', 'functions', 'infra', 'scripts', 'bench'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const FILES = SOURCE_DIRS.flatMap(sources);

/** The repository files a source file imports (relative specifiers only). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.filter((s) => s.endsWith('.js')).map((s) => normalize(join(dirname(file), s.replace(/\.js$/, '.ts'))));
}

const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

/** Strongly connected components with more than one file (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/**
 * Files outside shared/kinds/ that may spell a kind's name, and why. Anything
 * else that needs to know a kind asks its description (shared/kinds/registry.ts).
 */
const KIND_LITERAL_ALLOWED: Record<string, string> = {
  // The vocabulary names every kind once (KIND_NAMES); nothing else in it knows one.
  'shared/model.ts': 'the list of kind names',
  // EC2's "Instance State-change Notification" is about instances by definition.
  'shared/refs/state-change.ts': 'the state-change event names an instance',
  // rollback's --instance flag is an option name that happens to spell the kind.
  'cli/args/options.ts': 'the --instance flag of rollback',
  // The templates' "used by" column reuses the group kind's own listing when it is scanned (one listing, not two).
  'cli/scan.ts': "the group kind's listing feeds the used-by column",
};

const KIND_LITERAL = new RegExp(`['"\`](${KIND_NAMES.join('|')})['"\`]`);

describe('the house', () => {
  it('has source files to check', () => {
    expect(FILES.length).toBeGreaterThan(150);
    expect(FILES).toContain('shared/engine/decide.ts');
  });

  it('has no import circle anywhere', () => {
    expect(circles(GRAPH)).toEqual([]);
  });

  it('finds an import circle when there is one (the check works)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(circles(graph).map((c) => c.sort())).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it.each(KIND_NAMES)("keeps kind %s's folder to itself: it imports no other kind's folder", (kind) => {
    const own = `shared/kinds/${kind}/`;
    const others = KIND_NAMES.filter((k) => k !== kind).map((k) => `shared/kinds/${k}/`);
    const crossing = FILES.filter((f) => f.startsWith(own)).flatMap((f) =>
      (GRAPH.get(f) ?? []).filter((t) => others.some((o) => t.startsWith(o))).map((t) => `${f} → ${t}`),
    );
    expect(crossing).toEqual([]);
  });

  it('gives every kind the same shape: description, edge, subject and translator (aws.ts when it makes calls of its own)', () => {
    for (const kind of KIND_NAMES) {
      const files = FILES.filter((f) => f.startsWith(`shared/kinds/${kind}/`)).map((f) => relative(`shared/kinds/${kind}`, f));
      expect(files, kind).toEqual(expect.arrayContaining(['description.ts', 'edge.ts', 'subject.ts', 'translate.ts']));
    }
  });

  it('keeps the vocabulary free of kinds and of everything else', () => {
    expect(GRAPH.get('shared/model.ts')).toEqual([]);
  });

  it('keeps the engine free of the Lambda runtime, the wiring and the custom action', () => {
    const upward = FILES.filter((f) => f.startsWith('shared/engine/')).flatMap((f) =>
      (GRAPH.get(f) ?? []).filter((t) => /^shared\/(lambda|wiring|custom-action)\//.test(t) || /^(cli|functions|infra)\//.test(t)).map((t) => `${f} → ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('keeps shared/ code out of the entry points (cli, functions, infra)', () => {
    const upward = FILES.filter((f) => f.startsWith('shared/')).flatMap((f) =>
      (GRAPH.get(f) ?? []).filter((t) => /^(cli|functions|infra|scripts|bench)\//.test(t)).map((t) => `${f} → ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('spells kind names only inside shared/kinds/ or on the commented allow-list', () => {
    const product = FILES.filter((f) => /^(shared|cli|functions|infra)\//.test(f));
    const naming = product.filter((f) => !f.startsWith('shared/kinds/') && !(f in KIND_LITERAL_ALLOWED)).filter((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .some((line) => !/^\s*(\/?\*|\/\/)/.test(line) && KIND_LITERAL.test(line)),
    );
    expect(naming).toEqual([]);
  });

  it('keeps the allow-list honest: every file on it exists and still names a kind', () => {
    for (const file of Object.keys(KIND_LITERAL_ALLOWED)) {
      expect(FILES, file).toContain(file);
      expect(KIND_LITERAL.test(readFileSync(join(ROOT, file), 'utf8')), file).toBe(true);
    }
  });

  it('keeps the shared/ root to the vocabulary, the verdict, the settings, the errors and id checks', () => {
    const root = FILES.filter((f) => f.startsWith('shared/') && f.split('/').length === 2).sort();
    expect(root).toEqual(['shared/errors.ts', 'shared/model.ts', 'shared/policy.ts', 'shared/validate.ts', 'shared/verdict.ts']);
  });
});
