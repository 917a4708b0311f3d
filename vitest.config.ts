import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CI has 2 cores; the CloudFormation validator (WASM) alone takes seconds there.
    testTimeout: 60_000,
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // Embedded metrics go to stdout; test/functions/powertools.test.ts turns them on to read them.
      POWERTOOLS_METRICS_DISABLED: 'true',
      // The SDK's own switch for its Node < 22 notice (see cli/quiet.ts); the tests run on Node 20 in CI.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
