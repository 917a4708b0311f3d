/**
 * Every relative link of the README and the docs/ pages (and the other
 * top-level pages) leads somewhere: the file exists, and a `#anchor` is a
 * heading of that page. Links to the web are not followed (the tests run
 * offline).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, links, slug } from './markdown.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

const pages = [
  ...readdirSync(ROOT).filter((f) => f.endsWith('.md')),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The broken links of one page: `line: target (why)`. */
function broken(page: string, md: string, read: (path: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const { line, target } of links(md)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [path = '', anchor] = target.split('#', 2);
    const file = path === '' ? page : join(dirname(page), decodeURIComponent(path));
    const text = read(file);
    if (text === undefined) {
      out.push(`${page}:${line}: ${target} (no file ${file})`);
      continue;
    }
    if (anchor !== undefined && file.endsWith('.md') && !anchors(text).has(anchor)) {
      out.push(`${page}:${line}: ${target} (no heading #${anchor} in ${file})`);
    }
  }
  return out;
}

function readRepo(path: string): string | undefined {
  const full = join(ROOT, path);
  if (relative(ROOT, full).startsWith('..') || !existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
}

describe('documentation links', () => {
  it('covers the README and the docs pages', () => {
    expect(pages).toContain('README.md');
    expect(pages).toContain('docs/settings.md');
  });

  it.each(pages)('%s: every relative link and anchor exists', (page) => {
    expect(broken(page, readFileSync(join(ROOT, page), 'utf8'), readRepo)).toEqual([]);
  });

  it('the README links to every docs page', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = new Set(links(readme).map((l) => l.target.split('#')[0]));
    for (const page of pages.filter((p) => p.startsWith('docs/'))) expect(linked, page).toContain(page);
  });
});

describe('the link checker itself', () => {
  const files: Record<string, string> = {
    'docs/a.md': '# Page A\n\n## A whole organization: `scan --org`, `fix --org`\n\n## Twice\n\n## Twice\n',
    'docs/b.png': '',
  };
  const read = (p: string) => files[p];

  it('accepts existing files, GitHub anchors (numbered repeats) and web links', () => {
    const md = '[a](a.md) [o](a.md#a-whole-organization-scan---org-fix---org) [t](a.md#twice-1) ![b](b.png) [w](https://example.com/x.md#nope)';
    expect(broken('docs/c.md', md, read)).toEqual([]);
  });

  it('reports a missing file and a missing anchor, and ignores links in code', () => {
    const md = '[gone](gone.md)\n[bad](a.md#no-such)\n`[code](gone.md)`\n```\n[fenced](gone.md)\n```\n';
    expect(broken('docs/c.md', md, read)).toEqual([
      'docs/c.md:1: gone.md (no file docs/gone.md)',
      'docs/c.md:2: a.md#no-such (no heading #no-such in docs/a.md)',
    ]);
  });

  it('slugs headings as GitHub does', () => {
    expect(slug("Findings beside Security Hub's own")).toBe('findings-beside-security-hubs-own');
    expect(slug('Organization hub (act from the aggregated console)')).toBe('organization-hub-act-from-the-aggregated-console');
    expect(slug('Preflight: `imds-guard doctor`')).toBe('preflight-imds-guard-doctor');
  });
});
