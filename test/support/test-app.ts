import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, type AppOptions, createApp } from "../../src/app.js";
import type { Settings } from "../../src/config/settings.js";
import { silentLogger } from "../../src/core/logging/logger.js";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import { dropDataDirDatabase, TEST_STORE, testDatabaseUrl } from "./test-store.js";

export interface TestApp {
  app: App;
  dataDir: string;
  /** The store it serves on: this run's (SPOT_TEST_STORE) unless the test chose one. */
  store: Dialect;
  /** Its PostgreSQL database; null on SQLite (the file is in `dataDir`). */
  databaseUrl: string | null;
  grpcAddress: string;
  httpUrl: string;
  adminToken: string;
  /** Stops the app and fails if a listener still accepts connections. */
  stop(): Promise<void>;
  /** Stops and deletes the data directory (and the PostgreSQL database). */
  dispose(): Promise<void>;
}

export function testSettings(dataDir: string, overrides: Partial<Settings> = {}): Settings {
  return {
    grpc: { host: "127.0.0.1", port: 0 },
    http: { host: "127.0.0.1", port: 0 },
    dataDir,
    adminToken: "test-admin-token-0123456789",
    tls: null,
    logLevel: "error",
    heartbeatIntervalSeconds: 30,
    livenessDeadlineSeconds: 120,
    commandTtlSeconds: 3600,
    ...overrides,
  };
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/**
 * The real app on 127.0.0.1 with ephemeral ports and a fresh store of this run (SPOT_TEST_STORE, or `store`): a
 * SQLite file in a new data dir, or a new PostgreSQL database of the shared cluster. `dataDir` reuses the data
 * dir of an earlier app, and with it its store (the SQLite file, or the database the dir remembers).
 */
export async function startTestApp(
  options: Partial<Omit<AppOptions, "settings">> & {
    settings?: Partial<Settings>;
    dataDir?: string;
    store?: Dialect;
    /** A PostgreSQL database of the test's own (a cluster it stops and starts), instead of this run's store. */
    databaseUrl?: string;
  } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "spot-test-"));
  const {
    settings: settingOverrides,
    dataDir: _dir,
    store: chosen,
    databaseUrl: own,
    ...appOptions
  } = options;
  const store = own ? "postgres" : (chosen ?? TEST_STORE);
  const databaseUrl = own ?? (await testDatabaseUrl(dataDir, store));
  const app = await createApp({
    logger: silentLogger,
    shutdownGraceMs: 1_000,
    ...appOptions,
    settings: testSettings(dataDir, { databaseUrl, ...settingOverrides }),
  });
  const { grpcPort, httpPort } = await app.start();
  const stop = async () => {
    await app.stop();
    for (const port of [grpcPort, httpPort]) {
      if (!(await refusesConnections(port)))
        throw new Error(`port ${port} still accepts connections after stop()`);
    }
  };
  return {
    app,
    dataDir,
    store,
    databaseUrl,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    httpUrl: `${settingOverrides?.tls ? "https" : "http"}://127.0.0.1:${httpPort}`,
    adminToken: app.adminToken,
    stop,
    dispose: async () => {
      await stop();
      await dropDataDirDatabase(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
