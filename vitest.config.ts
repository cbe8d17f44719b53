import { configDefaults, defineConfig } from "vitest/config";

/**
 * Tests that open the stores they test themselves, on both dialects or on PostgreSQL only: the repositories and
 * transactions of the store on SQLite and PostgreSQL side by side, the schema, migrate-store, the cluster
 * harness, serve with a database URL, PostgreSQL going away under a server. They run once, in the postgres
 * project, which owns the shared cluster.
 */
const OWN_STORES = [
  "test/integration/store-*.test.ts",
  "test/integration/migrate-store.test.ts",
  "test/integration/postgres-*.test.ts",
  "test/integration/cli-database-url.test.ts",
];

/**
 * Tests about SQLite itself, which PostgreSQL has no counterpart of: `spot-optimizer backup` (SQLite's online
 * backup API; PostgreSQL is backed up with pg_dump), the cache of prepared SQLite statements, and the SQLite table
 * rebuild of the `unmanaged` instance state (PostgreSQL changes the constraint in place; store-schema covers it).
 */
const SQLITE_ONLY = [
  "test/integration/backup-restore.test.ts",
  "test/unit/cached-statements.test.ts",
  "test/unit/instance-migration.test.ts",
];

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start real servers; each file gets its own process and ports.
    pool: "forks",
    testTimeout: 20_000,
    // The AWS SDK warns on every process that Node 20 support ends in 2027; said once in the README instead.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    hookTimeout: 30_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // The whole suite once per store: the harness that builds the app and launches the CLI reads SPOT_TEST_STORE
    // (test/support/test-store.ts). `npx vitest run --project sqlite` runs one of them.
    projects: [
      {
        extends: true,
        test: {
          name: "sqlite",
          env: { SPOT_TEST_STORE: "sqlite" },
          exclude: [...configDefaults.exclude, ...OWN_STORES],
        },
      },
      {
        extends: true,
        test: {
          name: "postgres",
          env: { SPOT_TEST_STORE: "postgres" },
          exclude: [...configDefaults.exclude, ...SQLITE_ONLY],
          // One throwaway PostgreSQL cluster for the project, started by the first test file that needs it.
          globalSetup: ["./test/support/postgres-global-setup.ts"],
        },
      },
    ],
  },
});
