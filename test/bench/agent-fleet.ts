/**
 * The simulated agent fleet: a child process of the benchmark driver, driven over Node IPC. Each agent has its
 * own grpc-js channel (its own TCP + HTTP/2 connection, `grpc.use_local_subchannel_pool`), as real agents do.
 * Messages are encoded with the generated ts-proto codecs; heartbeats of the flood are encoded once, so the
 * fleet's own encoding cost stays out of the server's numbers. The REST issuer of the push benchmark runs here
 * too, so both ends of a push latency are read from this one process's clock.
 */
import { connect, setup } from "./fleet-connect.js";
import { flood, startIdleHeartbeats } from "./fleet-flood.js";
import type { FleetRequest } from "./fleet-protocol.js";
import { push } from "./fleet-push.js";
import { fleet, liveAgents, send } from "./fleet-state.js";
import { awaitBack, markRestart, snapshotStats } from "./fleet-storm.js";

async function handle(request: FleetRequest): Promise<unknown> {
  switch (request.op) {
    case "setup":
      return setup(request);
    case "connect":
      return connect(request);
    case "push":
      return push(request);
    case "flood":
      return flood(request);
    case "report-prices": {
      const [reporter] = liveAgents();
      if (!reporter) throw new Error("no live agent to report prices");
      reporter.write({
        $case: "pricingReport",
        value: { onDemandPrice: request.onDemandPrice, pools: request.pools, collectedAt: new Date() },
      });
      return { pools: request.pools.length };
    }
    case "mark-restart":
      return markRestart();
    case "await-back":
      return awaitBack(request);
    case "stats":
      return { total: fleet.agents.length, live: liveAgents().length, streams: snapshotStats() };
    case "shutdown":
      fleet.shuttingDown = true;
      for (const agent of fleet.agents) agent.close();
      setTimeout(() => process.exit(0), 50);
      return { closed: fleet.agents.length };
  }
}

if (!process.send) {
  process.stderr.write("agent-fleet.ts is started by run-benchmarks.ts (it needs an IPC channel)\n");
  process.exit(2);
}
// The driver going away (Ctrl-C, crash) takes the fleet with it.
process.on("disconnect", () => process.exit(0));
startIdleHeartbeats();
process.on("message", (request: FleetRequest) => {
  handle(request).then(
    (result) => {
      const extra =
        fleet.lostStreams.length > 0 || fleet.rejections.length > 0
          ? { lostStreams: fleet.lostStreams.splice(0), rejections: fleet.rejections.splice(0) }
          : {};
      send({ type: "reply", id: request.id, ok: true, result: { ...(result as object), ...extra } });
    },
    (error: unknown) =>
      send({
        type: "reply",
        id: request.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});
