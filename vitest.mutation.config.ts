/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): every unit
 * and handler test, without the slow whole-product suites that reach the
 * mutated modules only through everything else — the CLI end to end
 * (test/cli), the templates and their validator (test/infra), the docs and the
 * house rules, the fake-endpoint fault runs and the test helpers' own checks.
 * Those still run in `npm test`; here they would make one module take hours
 * (docs/mutation-testing.md).
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['test/cli/**', 'test/infra/**', 'test/docs/**', 'test/house.test.ts', 'test/faults/**', 'test/support/**', 'node_modules/**'],
    },
  }),
);
