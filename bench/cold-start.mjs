// Cold start of one function bundle, in a fresh `node` process (plain JS, no
// loader): import the bundle, run one invocation against AWS_ENDPOINT_URL,
// print the timings as one JSON line. bench/bundle.ts spawns it.
//   node bench/cold-start.mjs <bundle.mjs> <event.json>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile] = process.argv.slice(2);
const booted = performance.now(); // since the process started
const mod = await import(pathToFileURL(bundle).href);
const imported = performance.now();
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const result = await mod.handler(event, { invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:imds-guard-bench' });
const done = performance.now();
process.stdout.write(
  `${JSON.stringify({ bootMs: booted, importMs: imported - booted, invokeMs: done - imported, totalMs: done, status: result?.status })}\n`,
);
process.exit(0);
