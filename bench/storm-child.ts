/**
 * A launch storm through functions/events.ts against AWS_ENDPOINT_URL
 * (bench/cost.ts spawns it): N RunInstances events, one instance each,
 * delivered either one EventBridge event per invocation (the previous
 * design) or as SQS batches of `batch` records (the queue). Prints one JSON line
 * with the calls the fake counted, invocations and wall time.
 *
 *   storm-child.ts <events> <batch size | 0 for one event per invocation>
 */
import './env.js';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { instanceId } from './fake-aws.js';

const events = Number(process.argv[2] ?? 1000);
const batch = Number(process.argv[3] ?? 0);
const first = Number(process.env.BENCH_FIRST_INSTANCE ?? 1);
const endpoint = process.env.AWS_ENDPOINT_URL as string;
const { handler } = await import('../functions/events.js');
const template = JSON.parse(readFileSync(new URL('../test/fixtures/cloudtrail/RunInstances.json', import.meta.url), 'utf8'));
const record = JSON.parse(readFileSync(new URL('../test/fixtures/sqs/record.json', import.meta.url), 'utf8'));
const context = { invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:imds-guard-events' } as Context;

function event(i: number): unknown {
  const e = structuredClone(template);
  e.id = `storm-${i}`;
  e.detail.responseElements.instancesSet.items = [{ ...e.detail.responseElements.instancesSet.items[0], instanceId: instanceId(first + i) }];
  return e;
}

await fetch(`${endpoint}/__fake/calls`, { method: 'POST' }); // forget earlier calls
const started = performance.now();
let invocations = 0;
let payloadBytes = 0;
if (batch <= 0) {
  for (let i = 0; i < events; i++) {
    const result = await handler(event(i), context);
    invocations++;
    if (!('status' in result) || result.status !== 'done') throw new Error(`handler said ${JSON.stringify(result)}`);
  }
} else {
  for (let from = 0; from < events; from += batch) {
    const Records = [];
    for (let i = from; i < Math.min(events, from + batch); i++) Records.push({ ...record, messageId: `m-${i}`, body: JSON.stringify(event(i)) });
    const payload = { Records };
    payloadBytes = Math.max(payloadBytes, Buffer.byteLength(JSON.stringify(payload)));
    const result = await handler(payload, context);
    invocations++;
    if (!('batchItemFailures' in result) || result.batchItemFailures.length > 0) throw new Error(`batch said ${JSON.stringify(result)}`);
  }
}
const wallMs = performance.now() - started;
const calls = (await (await fetch(`${endpoint}/__fake/calls`, { method: 'POST' })).json()) as Record<string, number>;
process.stdout.write(`${JSON.stringify({ calls, invocations, wallMs, payloadBytes })}\n`);
process.exit(0);
