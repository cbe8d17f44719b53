import { join } from "node:path";
import Database from "better-sqlite3";
import { HISTORY_HOURS, seedFleet } from "../e2e/fleet-seed.js";
import { legacyInstance, v4Register } from "./legacy-agent-payloads.js";
import { rest } from "./rest.js";
import { eventually } from "./rest-seed.js";
import { ShiftedClock } from "./shifted-clock.js";
import { startTestApp } from "./test-app.js";

/** Jobs run once after the seed, so their own tables have rows (the collector needs AWS; the rest do not). */
const JOBS = [
  "health-monitor",
  "command-expiry",
  "pricing-aggregation",
  "daily-snapshots",
  "savings",
  "standby",
];

/**
 * A SQLite file written by the app itself through its real gRPC and REST APIs: the dashboard's seeded fleet
 * (two clients, five agents, two days of prices, a switch, a forced switch, a decision, savings), plus an
 * interruption with its emergency replica, a cleanup report, an agent of the original system polling REST (where
 * its instance calls from) and a run of every job. Returns the file's path
 * once the app has stopped; the caller removes `dataDir`.
 */
export async function seedStoreFile(): Promise<{ dataDir: string; path: string }> {
  const clock = new ShiftedClock(HISTORY_HOURS * 3_600_000);
  const server = await startTestApp({
    // A SQLite file whatever the run's store: it is the source migrate-store copies from.
    store: "sqlite",
    clock,
    settings: { livenessDeadlineSeconds: 30 * 86_400 },
    sessions: { disconnectGraceMs: 500, sweepIntervalMs: 100 },
  });
  const path = join(server.dataDir, "spot-optimizer.db");
  try {
    const fleet = await seedFleet(server, clock);
    const globex = fleet.agents.globex;
    globex.agent.send({
      $case: "rebalanceRecommendation",
      value: { instanceId: globex.instanceId, detectedAt: new Date(clock.now()) },
    });
    await globex.agent.waitFor(() =>
      globex.agent.commands().find((command) => command.action?.$case === "launchReplica"),
    );
    const web = fleet.agents.web.agent;
    web.send({
      $case: "cleanupReport",
      value: {
        deletedSnapshotIds: ["snap-0aaa1111", "snap-0aaa2222"],
        deletedImageIds: ["ami-0ccc4444"],
        failures: [{ resourceId: "snap-0bbb3333", error: "InvalidSnapshot.NotFound" }],
        snapshotCutoff: new Date(clock.now() - 7 * 86_400_000),
        imageCutoff: new Date(clock.now() - 30 * 86_400_000),
      },
    });
    const polling = await rest(server.httpUrl, "POST", "/api/agents/register", {
      token: fleet.acme.token,
      body: v4Register(fleet.acme.token, "legacy-v4", legacyInstance()),
    });
    if (polling.status !== 200) throw new Error(`agent v4 registration: HTTP ${polling.status}`);
    for (const job of JOBS) {
      const run = await rest(server.httpUrl, "POST", `/api/admin/jobs/${job}/run`, {
        token: server.adminToken,
      });
      if (run.status !== 200) throw new Error(`job ${job}: HTTP ${run.status}`);
    }
    const file = new Database(path, { readonly: true });
    try {
      await eventually(
        async () => file.prepare("SELECT COUNT(*) AS n FROM cleanup_logs").get() as { n: number },
        (count) => count.n > 0,
        "the cleanup report stored",
      );
    } finally {
      file.close();
    }
    for (const seeded of Object.values(fleet.agents)) seeded.agent.close();
  } finally {
    await server.stop();
  }
  return { dataDir: server.dataDir, path };
}
