/**
 * The benchmark fleet's own memory per agent: a real server in its own process, then agents connected from this
 * one in steps (the fleet's code: fleet-connect.ts, fleet-agent.ts), the JS heap and RSS after a full GC at each
 * step. It shows what one simulated agent costs the process that holds 10,000 of them.
 *
 *   npm run bench:fleet-memory -- [--agents 4000] [--steps 2] [--out bench-results/fleet-memory.json]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startServerProcess } from "../support/server-process.js";
import { connect, setup } from "./fleet-connect.js";
import { fleet, sleep } from "./fleet-state.js";
import { round } from "./stats.js";

const ADMIN_TOKEN = "fleet-memory-admin-token-0123456789";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { agents: { type: "string" }, steps: { type: "string" }, out: { type: "string" } },
});
const agents = Number(values.agents ?? 4_000);
const steps = Number(values.steps ?? 2);
const out = resolve(values.out ?? "bench-results/fleet-memory.json");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

async function settled() {
  for (let round = 0; round < 3; round++) {
    gc?.();
    await sleep(200);
  }
  const usage = process.memoryUsage();
  return { heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external };
}

const server = await startServerProcess({
  env: { SPOT_ADMIN_TOKEN: ADMIN_TOKEN },
  args: ["--max-new-streams", "0", "--heartbeat-interval", "30"],
  startTimeoutMs: 60_000,
});
try {
  await setup({
    op: "setup",
    grpcAddress: server.grpcAddress,
    httpUrl: server.httpUrl,
    adminToken: ADMIN_TOKEN,
  });
  const baseline = await settled();
  const readings: Array<{ agents: number; heapKbPerAgent: number; rssKbPerAgent: number }> = [];
  for (let step = 1; step <= steps; step++) {
    const total = Math.round((agents * step) / steps);
    const result = await connect({ op: "connect", total, concurrency: 50 });
    if (result.connected !== total) throw new Error(`only ${result.connected} of ${total} connected`);
    const now = await settled();
    const reading = {
      agents: total,
      heapKbPerAgent: round((now.heapUsed - baseline.heapUsed) / 1024 / total, 2),
      rssKbPerAgent: round((now.rss - baseline.rss) / 1024 / total, 2),
    };
    readings.push(reading);
    process.stdout.write(
      `${total} agents: JS heap ${reading.heapKbPerAgent} KB/agent, RSS ${reading.rssKbPerAgent} KB/agent\n`,
    );
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ baseline, readings }, null, 2)}\n`);
} finally {
  fleet.shuttingDown = true;
  for (const agent of fleet.agents) agent.close();
  await server.stop();
}
process.exit(0);
