/**
 * Runs functions/events.ts on RunInstances events against AWS_ENDPOINT_URL
 * (bench/events.ts spawns it): warm-up, then `runs` events at 0 ms and at
 * 50 ms per call, each on a fresh non-compliant instance. Prints one JSON line.
 */
import './env.js';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { instanceId } from './fake-aws.js';

const runs = Number(process.argv[2] ?? 15);
const endpoint = process.env.AWS_ENDPOINT_URL as string;
const { handler } = await import('../functions/events.js');
const template = JSON.parse(readFileSync(new URL('../test/fixtures/cloudtrail/RunInstances.json', import.meta.url), 'utf8'));
const context = { invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:imds-guard-events' } as Context;

// Instances whose MetadataNoToken data the fake reports as zero (not every 7th, not every 11th).
let next = 1;
function freshInstance(): string {
  while (next % 7 === 0 || next % 11 === 0) next++;
  return instanceId(next++);
}
function event(): unknown {
  const e = structuredClone(template);
  e.detail.responseElements.instancesSet.items = [{ ...e.detail.responseElements.instancesSet.items[0], instanceId: freshInstance() }];
  return e;
}
const control = (path: string): Promise<Response> => fetch(`${endpoint}/__fake/${path}`, { method: 'POST' });

async function timed(): Promise<number> {
  const started = performance.now();
  const result = await handler(event(), context);
  if (!("status" in result) || result.status !== "done") throw new Error(`handler said ${JSON.stringify(result)}`);
  return performance.now() - started;
}

await control('latency?ms=0');
for (let i = 0; i < 5; i++) await timed();
await control('calls');
await timed();
const calls = (await (await control('calls')).json()) as Record<string, number>;
const ms0: number[] = [];
for (let i = 0; i < runs; i++) ms0.push(await timed());
await control('latency?ms=50');
const ms50: number[] = [];
for (let i = 0; i < runs; i++) ms50.push(await timed());
process.stdout.write(`${JSON.stringify({ ms0, ms50, calls })}\n`);
process.exit(0);
