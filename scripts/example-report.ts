/**
 * Writes docs/example-report.html: the `imds-guard scan --output html` report
 * of the small mocked estate the CLI tests use (one region readable, one
 * denied), so the README can show what the report looks like.
 *   npx tsx scripts/example-report.ts
 */
import { writeFileSync } from 'node:fs';
import { instance, mockEstate, restore, run, smallEstate } from '../test/cli/harness.js';

const estate = smallEstate();
// Two cases whose readiness reason matters: a hop limit above the ceiling, and IMDS switched off.
estate.instances.push(instance('i-0f1e2d3c4b5a69788', { name: 'k8s-node-3', tokens: 'required', hop: 3 }));
const off = instance('i-0a9b8c7d6e5f40312', { name: 'appliance-nat', tokens: 'optional' });
off.MetadataOptions = { ...off.MetadataOptions, HttpEndpoint: 'disabled' };
estate.instances.push(off);

const mocks = mockEstate({
  'us-east-1': estate,
  'eu-west-1': { refuse: 'denied' },
});
try {
  const result = await run(['scan', '--region', 'us-east-1', '--region', 'eu-west-1', '--output', 'html', '--out-file', 'report.html']);
  const html = result.files.get('report.html');
  if (!html) throw new Error(`no report written (exit ${result.code}): ${result.stderr}`);
  writeFileSync('docs/example-report.html', html);
  console.log(`docs/example-report.html written (${html.length} bytes, scan exit code ${result.code})`);
} finally {
  restore(mocks);
}
