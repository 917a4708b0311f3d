// Mutation testing (docs/mutation-testing.md): does the suite fail when the
// code that can lose data, change a resource or lie is wrong?
// `npm run test:mutation` runs every module below; one module:
// `npm run test:mutation -- --mutate shared/sinks/published.ts`.

/**
 * The modules where a wrong branch loses data, changes a resource or lies.
 * Paths follow the shared/ layout: update them when a module moves.
 */
const MODULES = [
  // the engine: gates, decisions, exemptions
  'shared/engine/decide.ts',
  'shared/engine/safety.ts',
  'shared/engine/exemption.ts',
  // the watch: judgement, writes, tags, refusals; the account-level watch after graduation
  'shared/watch/judge.ts',
  'shared/watch/writes.ts',
  'shared/watch/tags.ts',
  'shared/watch/refusal.ts',
  'shared/watch/account/*.ts',
  // the published-state change filter and its stores
  'shared/sinks/published.ts',
  'shared/sinks/published-state.ts',
  // the custom actions: parsing and member access
  'shared/custom-action/parse.ts',
  'shared/custom-action/member.ts',
  // each kind's remedy
  'shared/kinds/*/remedy.ts',
  // the event parsers and the id checks they rely on
  'shared/refs/*.ts',
  'shared/validate.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  mutate: MODULES,
  // Each mutant runs only the tests that reached it in the dry run.
  coverageAnalysis: 'perTest',
  // A re-run tests only mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // The machines this runs on have 2 cores; more runners only queue.
  concurrency: 2,
  // The slowest tests (fake AWS endpoint, property runs) take seconds each.
  timeoutMS: 30_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: null },
};
