/**
 * Two periodic runs of functions/config-rule.ts (ScheduledNotification)
 * against AWS_ENDPOINT_URL (bench/cost.ts spawns it): the first puts every
 * evaluation (Config holds nothing yet — what the previous design put EVERY
 * run), the second only the difference. Prints one JSON line per run's calls.
 */
import './env.js';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';

const endpoint = process.env.AWS_ENDPOINT_URL as string;
const { handler } = await import('../functions/config-rule.js');
const invocation = JSON.parse(readFileSync(new URL('../test/fixtures/config/scheduled.json', import.meta.url), 'utf8'));
invocation.configRuleName ??= 'imds-guard-bench-imdsv2';
const context = { invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:imds-guard-config-rule' } as Context;
const calls = async (): Promise<Record<string, number>> => (await (await fetch(`${endpoint}/__fake/calls`, { method: 'POST' })).json()) as Record<string, number>;

await calls();
const runs = [];
for (let run = 0; run < 2; run++) {
  const started = performance.now();
  const result = await handler(invocation, context);
  runs.push({ result, wallMs: performance.now() - started, calls: await calls() });
}
process.stdout.write(`${JSON.stringify(runs)}\n`);
process.exit(0);
