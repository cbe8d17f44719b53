/** The frame of one benchmark: a fresh server and agent fleet, connecting agents, progress and log lines. */
import { randomBytes } from "node:crypto";
import { BenchServer } from "./bench-server.js";
import { FleetProcess } from "./fleet-process.js";
import type { CpuUse } from "./proc-stats.js";
import { formatCount } from "./stats.js";

/** Handshakes in flight while connecting: Node's accept queue is 511. */
const CONNECT_CONCURRENCY = 100;

export const log = (line: string) => process.stdout.write(`${line}\n`);
export const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));

/** Connects agents up to `total`, printing a progress line (one updated line on a terminal). */
export async function connectAgents(fleet: FleetProcess, total: number, label: string): Promise<void> {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  fleet.onProgress = (connected, target, failures) => {
    const text = `  ${label}: ${formatCount(connected)}/${formatCount(target)} agents welcomed${failures ? `, ${failures} failed` : ""}`;
    if (tty) process.stderr.write(`\r${text}\u001b[K`);
    else if (Date.now() - lastPrinted >= 2_000 || connected >= target) {
      lastPrinted = Date.now();
      process.stderr.write(`${text}\n`);
    }
  };
  const result = await fleet.connect(total, CONNECT_CONCURRENCY);
  if (tty) process.stderr.write("\n");
  if (result.connected < total) {
    throw new Error(
      `only ${result.connected} of ${total} agents connected (${result.failures} failed: ${result.firstError})`,
    );
  }
  log(`  ${formatCount(total)} agents connected and welcomed in ${(result.elapsedMs / 1000).toFixed(1)} s`);
}

/**
 * A fresh server and fleet for one benchmark; both are stopped (fleet first) whatever happens. The server serves
 * on a fresh SQLite file, or on the (fresh) PostgreSQL database `databaseUrl`.
 */
export async function withServerAndFleet<T>(
  run: (context: { server: BenchServer; fleet: FleetProcess }) => Promise<T>,
  databaseUrl?: string,
): Promise<T> {
  const adminToken = `bench-admin-${randomBytes(12).toString("hex")}`;
  const { server, grpcAddress, httpUrl } = await BenchServer.start(adminToken, { databaseUrl });
  const fleet = FleetProcess.start();
  try {
    await fleet.setup(grpcAddress, httpUrl, adminToken);
    return await run({ server, fleet });
  } finally {
    await fleet.stop();
    await server.stop();
  }
}

export const cpuJson = (cpu: CpuUse) => ({
  serverPercent: cpu.serverPercent,
  fleetPercent: cpu.fleetPercent,
  otherProcessesPercent: cpu.otherPercent,
});
