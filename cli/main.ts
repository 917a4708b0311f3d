/**
 * `imds-guard` entry point (the bundler adds `#!/usr/bin/env node`).
 * See cli/run.ts; `imds-guard --help` for usage.
 */
import './quiet.js';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2));
