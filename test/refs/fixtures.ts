/** Loads the real-shaped event fixtures under test/fixtures. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../fixtures/', import.meta.url));

export const OWN = { account: '111122223333', region: 'us-east-1' } as const;

export function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${root}${path}`, 'utf8')) as Record<string, unknown>;
}

/** File names (without directory) in a fixture folder. */
export function fixtureNames(folder: string): string[] {
  return readdirSync(`${root}${folder}`).filter((f) => f.endsWith('.json')).sort();
}

export const ref = (kind: string, id: string) => ({ kind, id, account: OWN.account, region: OWN.region });
