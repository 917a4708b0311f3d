/**
 * No test builds an AWS error by hand: every one comes from
 * test/support/aws-errors.ts, whose errors are checked against the SDK's
 * deserializer. A hand-built error (a `name` without `$fault` and
 * `$metadata`, a code only in the message, a status AWS never sends) tests
 * the classifiers against errors that do not exist.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN } from './aws-errors.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ALLOWED = new Set(['test/support/aws-errors.ts', 'test/support/no-hand-built-errors.test.ts']);

/** Error codes of AWS and of the SDK's transport: the table's, and anything shaped like one. */
const OTHER_CODES = [
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'AuthFailure',
  'ExpiredToken',
  'RequestExpired',
  'ValidationError',
  'TimeoutError',
  'CredentialsProviderError',
  'Unknown',
];
const KNOWN_CODES = new Set([...Object.values(KNOWN).flatMap((codes) => Object.keys(codes)), ...OTHER_CODES]);
const isAwsCode = (word: string): boolean => KNOWN_CODES.has(word) || /^[A-Z][A-Za-z]+(Exception|Fault)$/.test(word) || /^[A-Z][A-Za-z]+\.[A-Z][A-Za-z]+$/.test(word);

/** Where `source` builds an AWS (or SDK transport) error by hand: `line: what`. */
export function handBuiltErrors(source: string): string[] {
  const found: string[] = [];
  const sdkImports = new Set<string>();
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-[^']+'/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name && !/(Client|Command)$/.test(name)) sdkImports.add(name);
    }
  }
  source.split('\n').forEach((line, i) => {
    const at = (what: string) => found.push(`${i + 1}: ${what}`);
    if (/\$fault\s*:\s*['"`]/.test(line)) at('sets $fault');
    if (/\$metadata\s*:\s*\{/.test(line)) at('sets $metadata');
    for (const m of line.matchAll(/new\s+([A-Za-z_$][\w$]*)\s*\(/g)) {
      const cls = m[1]!;
      if (/ServiceException$/.test(cls) || (sdkImports.has(cls) && /(Exception|Fault|Error)$/.test(cls))) at(`constructs ${cls}`);
    }
    // (An expectation may name the code it expects: `expect(...).rejects.toMatchObject({ name: 'AccessDenied' })`.)
    for (const m of line.matchAll(/(?:\bname\s*:|\.name\s*=)\s*['"`]([\w.]+)['"`]/g)) {
      if (isAwsCode(m[1]!) && !/\bexpect\(/.test(line)) at(`names an error ${m[1]}`);
    }
    for (const m of line.matchAll(/new\s+Error\(\s*['"`]([\w.]+)(?::|['"`])/g)) {
      if (isAwsCode(m[1]!)) at(`puts the code ${m[1]} only in the message`);
    }
    if (/new\s+Error\(|Object\.assign\(/.test(line)) {
      for (const m of line.matchAll(/\bcode\s*:\s*['"`](E[A-Z_]+)['"`]/g)) at(`sets the socket error code ${m[1]}`);
    }
  });
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : sources(path);
    return /\.(ts|mts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe('no test builds an AWS error by hand', () => {
  it('every test and bench file makes its AWS errors with test/support/aws-errors.ts', () => {
    const files = [...sources('test'), ...sources('bench')].filter((f) => !ALLOWED.has(relative('.', f)));
    expect(files.length).toBeGreaterThan(80);
    const offenders = files.flatMap((file) => handBuiltErrors(readFileSync(join(ROOT, file), 'utf8')).map((where) => `${file}:${where}`));
    expect(offenders).toEqual([]);
  });

  // The detector itself: each shape the suite once had is caught; ordinary code is not.
  it.each([
    ["Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' })", 'names an error RequestLimitExceeded'],
    ["Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })", 'sets $metadata'],
    ["new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', $metadata: {}, message: 'x' })", 'constructs EC2ServiceException'],
    ["new Error('UnauthorizedOperation: denied by an SCP')", 'puts the code UnauthorizedOperation only in the message'],
    ["error.name = 'InvalidInstanceID.NotFound';", 'names an error InvalidInstanceID.NotFound'],
    ["Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })", 'sets the socket error code ECONNRESET'],
    ["import { AccountNotFoundException } from '@aws-sdk/client-organizations';\nthrow new AccountNotFoundException({ message: 'm' });", 'constructs AccountNotFoundException'],
    ["Object.assign(new Error('x'), { name: 'TimeoutError', code: 'ETIMEDOUT' })", 'names an error TimeoutError'],
    ["rejects(new Error('ScalingActivityInProgress'))", 'puts the code ScalingActivityInProgress only in the message'],
  ])('catches %s', (snippet, reason) => {
    expect(handBuiltErrors(snippet).map((f) => f.replace(/^\d+: /, ''))).toContain(reason);
  });

  it.each([
    "ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.')",
    "expect(describeError(e).status).toBe(401)",
    "{ name: 'Skips', dimension: { name: 'gate', value: 'exempt' } }",
    "new Error('CreateLaunchTemplateVersion not expected in this test')",
    "import { EC2Client, DescribeInstancesCommand } from '@aws-sdk/client-ec2';\nnew EC2Client({}); new DescribeInstancesCommand({});",
    'const status = e.$metadata?.httpStatusCode;',
    "expect(describeError(e)).toMatchObject({ code: 'ECONNREFUSED' })",
    'return { $fault: e.$fault, status: md?.httpStatusCode };',
    "await expect(read()).rejects.toMatchObject({ name: 'AccessDenied' });",
  ])('lets %s be', (snippet) => {
    expect(handBuiltErrors(snippet)).toEqual([]);
  });
});
