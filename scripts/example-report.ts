/**
 * Writes docs/example-report.html: the `imds-guard scan --output html` report
 * of the small mocked estate the CLI tests use (one region readable, one
 * denied), so the README can show what the report looks like.
 *   npx tsx scripts/example-report.ts
 */
import { writeFileSync } from 'node:fs';
import { mockEstate, restore, run, smallEstate } from '../test/cli/harness.js';

const mocks = mockEstate({
  'us-east-1': smallEstate(),
  'eu-west-1': { deny: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' },
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
