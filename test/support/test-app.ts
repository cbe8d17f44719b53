import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, type AppOptions, createApp } from "../../src/app.js";
import type { Settings } from "../../src/config/settings.js";
import { silentLogger } from "../../src/core/logging/logger.js";

export interface TestApp {
  app: App;
  dataDir: string;
  grpcAddress: string;
  httpUrl: string;
  adminToken: string;
  /** Stops the app and fails if a listener still accepts connections. */
  stop(): Promise<void>;
  /** Stops and deletes the data directory. */
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

/** The real app on 127.0.0.1 with ephemeral ports and a fresh SQLite file (or `dataDir` to reuse one). */
export async function startTestApp(
  options: Partial<Omit<AppOptions, "settings">> & { settings?: Partial<Settings>; dataDir?: string } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "spot-test-"));
  const { settings: settingOverrides, dataDir: _dir, ...appOptions } = options;
  const app = createApp({
    logger: silentLogger,
    shutdownGraceMs: 1_000,
    ...appOptions,
    settings: testSettings(dataDir, settingOverrides),
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
    grpcAddress: `127.0.0.1:${grpcPort}`,
    httpUrl: `${settingOverrides?.tls ? "https" : "http"}://127.0.0.1:${httpPort}`,
    adminToken: app.adminToken,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
