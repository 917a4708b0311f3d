import { describe, expect, it } from 'vitest';
import { USAGE } from '../../../cli/args/help.js';
import { COMMAND_OPTIONS, OPTIONS } from '../../../cli/args/options.js';
import { parseCli } from '../../../cli/args/parse.js';
import { run } from '../harness.js';

describe('help', () => {
  it('--help prints usage on stdout, exit 0, for every command', async () => {
    for (const argv of [['--help'], ['scan', '--help'], ['fix', '-h'], ['guardrails', '--help'], ['scan', '--bogus', '--help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: imds-guard/);
    }
  });

  it('every option in the table has help, and every command lists only known options', () => {
    for (const [command, names] of Object.entries(COMMAND_OPTIONS)) {
      for (const name of names) {
        expect(OPTIONS[name], `${command} --${name}`).toBeDefined();
        expect(USAGE[command as keyof typeof USAGE]).toContain(`--${name}`);
      }
    }
    for (const text of Object.values(USAGE)) for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('the doctor and scan help list the organization options under their section', () => {
    const help = parseCli(['doctor', '--help']);
    expect(help.action === 'help' && help.text).toMatch(/Organization:\n {2}--org +Every ACTIVE account/);
    expect(help.action === 'help' && help.text).toContain('--stack-name NAME');
    const scanHelp = parseCli(['scan', '--help']);
    expect(scanHelp.action === 'help' && scanHelp.text).toContain('--concurrency N');
  });
});
