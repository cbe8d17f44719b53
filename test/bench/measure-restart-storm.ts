import { emptyStreamStats } from "../../src/agent/protocol/stream-stats.js";
import { BenchServer } from "./bench-server.js";
import type { FleetProcess } from "./fleet-process.js";
import type { AwaitBackResult } from "./fleet-protocol.js";
import { byLabel, scrapeMetrics } from "./server-metrics.js";
import { round } from "./stats.js";
import { log } from "./with-server-and-fleet.js";

export interface RestartTarget {
  server: BenchServer;
  adminToken: string;
  dataDir: string;
  /** CLI options that pin the listen addresses, so the agents find the new process where the old one was. */
  args: string[];
}

/**
 * Restarts the server under a held fleet and measures the reconnect storm: the old process is stopped (SIGTERM,
 * a graceful drain, or SIGKILL, a crash) while every agent holds a stream; a new one starts on the same data
 * directory and ports; then the time until every agent is welcomed again, what the fleet's streams met on the
 * way (refused by admission control, unavailable, other errors) and what the new server counted.
 */
export async function measureRestartStorm(
  target: RestartTarget,
  fleets: readonly FleetProcess[],
  signal: "term" | "kill",
) {
  const marks = await Promise.all(fleets.map((fleet) => fleet.markRestart()));
  const restartAt = Math.min(...marks.map((mark) => mark.at));
  target.server.kill(signal === "term" ? "SIGTERM" : "SIGKILL");
  const exit = await target.server.exited;
  const exitedAt = Date.now();
  log(
    `  old server ended (${exit}) ${((exitedAt - restartAt) / 1000).toFixed(1)} s after ${signal === "term" ? "SIGTERM" : "SIGKILL"}`,
  );
  const { server, httpUrl } = await BenchServer.start(target.adminToken, {
    dataDir: target.dataDir,
    args: target.args,
  });
  const listeningAt = Date.now();
  log(
    `  new server (pid ${server.pid}) listening ${((listeningAt - restartAt) / 1000).toFixed(1)} s after the restart began`,
  );
  const storm = mergeStorms(await Promise.all(fleets.map((fleet) => fleet.awaitBack(restartAt, 180_000))));
  const serverStreams = byLabel(
    await scrapeMetrics(httpUrl, target.adminToken),
    "spot_agent_streams_total",
    "outcome",
  );
  const seconds = (at: number | null) => (at === null ? null : round((at - restartAt) / 1000, 1));
  // The timeline once per second is enough to read the curve.
  const perSecond = storm.timeline.filter(
    (_point, index) => index % 4 === 0 || index === storm.timeline.length - 1,
  );
  const report = {
    signal: signal === "term" ? "SIGTERM" : "SIGKILL",
    agents: storm.total,
    back: storm.back,
    oldServerExitSeconds: seconds(exitedAt),
    newServerListeningSeconds: seconds(listeningAt),
    allBackSeconds: seconds(storm.allBackAt),
    allBackAfterListeningSeconds:
      storm.allBackAt === null ? null : round((storm.allBackAt - listeningAt) / 1000, 1),
    fleetStreams: storm.streams,
    newServerStreams: serverStreams,
    timeline: perSecond.map((point) => ({ seconds: round(point.atMs / 1000, 2), back: point.back })),
  };
  log(
    `  ${storm.back}/${storm.total} agents back ${report.allBackSeconds ?? "(not all)"} s after the restart (${report.allBackAfterListeningSeconds} s after the new server listened); streams: ${JSON.stringify(storm.streams)}; new server: ${JSON.stringify(serverStreams)}`,
  );
  return { report, server, httpUrl };
}

/** The storm as the fleets saw it together: everyone back when the last one is, counts added up. */
function mergeStorms(parts: readonly AwaitBackResult[]): AwaitBackResult {
  const streams = emptyStreamStats();
  for (const part of parts) {
    streams.attempts += part.streams.attempts;
    streams.welcomes += part.streams.welcomes;
    streams.throttled += part.streams.throttled;
    streams.unavailable += part.streams.unavailable;
    for (const [code, count] of Object.entries(part.streams.otherErrors)) {
      streams.otherErrors[code] = (streams.otherErrors[code] ?? 0) + count;
    }
  }
  const complete = parts.every((part) => part.allBackAt !== null);
  // The largest fleet's timeline, with the others' agents added at the same sample index.
  const longest = [...parts].sort((a, b) => b.timeline.length - a.timeline.length)[0]?.timeline ?? [];
  const timeline = longest.map((point, index) => ({
    atMs: point.atMs,
    back: parts.reduce(
      (sum, part) => sum + (part.timeline[Math.min(index, part.timeline.length - 1)]?.back ?? 0),
      0,
    ),
  }));
  return {
    total: parts.reduce((sum, part) => sum + part.total, 0),
    back: parts.reduce((sum, part) => sum + part.back, 0),
    allBackAt: complete ? Math.max(...parts.map((part) => part.allBackAt as number)) : null,
    timeline,
    streams,
  };
}

export type StormReport = Awaited<ReturnType<typeof measureRestartStorm>>["report"];
