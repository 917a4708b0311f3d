/**
 * `npm run bench`: every benchmark, figures printed as measured. Each part
 * also runs alone: bench/sweep.ts, bench/events.ts, bench/memory.ts, bench/bundle.ts, bench/cost.ts, bench/org.ts,
 * bench/watch.ts, bench/degraded.ts.
 *
 *   npm run bench [-- --quick]    (--quick: 1,000 and 10,000 instances only, fewer runs, 10 and 50 accounts)
 */
import './env.js';
import { availableParallelism, totalmem } from 'node:os';
import { benchBundles, formatBundles } from './bundle.js';
import { benchCost } from './cost.js';
import { benchDegraded, formatDegraded } from './degraded.js';
import { benchEvents, formatEvents } from './events.js';
import { benchMemory, formatMemory } from './memory.js';
import { benchOrgScaling, formatOrg, formatOrgScaling } from './org.js';
import { benchSweep, formatSweep, minimumNotes } from './sweep.js';
import { benchWatch, formatWatch } from './watch.js';

const quick = process.argv.includes('--quick');
const sizes = quick ? [1000, 10_000] : [1000, 10_000, 50_000];
const started = Date.now();

console.log(
  `imds-guard bench — ${new Date().toISOString()} — node ${process.version}, ${availableParallelism()} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
);
console.log('\n## 1. API economy and wall time of a full sweep (50 ms per call)\n');
let last;
for (const n of sizes) {
  last = await benchSweep(n, 50);
  console.log(formatSweep(last));
}
if (last) console.log(minimumNotes(last));
console.log('\n## 2. Per event\n');
console.log(formatEvents(await benchEvents(quick ? 7 : 15)));
console.log('\n## 3. Memory\n');
console.log(formatMemory(await benchMemory(sizes)));
console.log('\n## 4. Bundles and cold start\n');
const runs = quick ? 3 : 7;
console.log(formatBundles(await benchBundles({ runs }), runs));
// Numbered as in BENCHMARKS.md.
console.log('\n## 5. Cost per month per account-region, previous design vs new, and a launch storm\n');
console.log(await benchCost(sizes));
console.log('\n## 6. Organization scan (scan --org)\n');
// 50, 200 and 1,000 accounts side by side (the last alone takes minutes on 2 cores).
const orgRuns = await benchOrgScaling(quick ? [10, 50] : [50, 200, 1000], 4, 200, 50);
for (const r of orgRuns) console.log(formatOrg(r));
console.log(`\n${formatOrgScaling(orgRuns)}`);
console.log('\n## 7. Watch (guard window, rollback; 50 ms per call)\n');
console.log(formatWatch(await benchWatch(quick ? [1000] : [1000, 10_000])));
console.log('\n## 8. Degraded sweep (listings that time out at full pages go on with smaller ones)\n');
console.log(formatDegraded(await benchDegraded(5000)));
console.log(`\nbench done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
