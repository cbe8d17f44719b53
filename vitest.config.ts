import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start real servers; each file gets its own process and ports.
    pool: "forks",
    // One throwaway PostgreSQL cluster for the run, started by the first test file that needs it.
    globalSetup: ["./test/support/postgres-global-setup.ts"],
    testTimeout: 20_000,
    // The AWS SDK warns on every process that Node 20 support ends in 2027; said once in the README instead.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    hookTimeout: 30_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
