/** Command-line options of `npm run bench:fleet` (run-fleet-benchmark.ts). */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readOpenFileLimit } from "../../src/raise-open-file-limit.js";
import { REPO_ROOT } from "../support/server-process.js";

/** Descriptors of the server besides its agents' streams: listeners, the store, REST clients, the probe. */
const FD_HEADROOM = 500;

const USAGE = `Usage: npm run bench:fleet -- [options]

  --agents N               agents held by the server (default 10000)
  --rate R                 force-switch commands per second over REST while they are held (default 50)
  --steady-seconds S       how long the held fleet is measured (default 60)
  --heartbeat-interval S   the server's heartbeat interval, told to agents (default 30, the product default)
  --max-new-streams R      the server's cap on new streams per second (default: the server's, 500)
  --restart term|kill      how the server is restarted: SIGTERM (graceful) or SIGKILL (crash) (default term)
  --no-restart             skip the restart and reconnect storm
  --out PATH               JSON report (default bench-results/fleet-bench.json)

Environment: SPOT_BENCH_SERVER_NODE_ARGS adds node flags to the server (e.g. "--cpu-prof").
`;

export interface FleetBenchOptions {
  agents: number;
  rate: number;
  steadySeconds: number;
  heartbeatIntervalSeconds: number;
  maxNewStreams: number | null;
  restart: "term" | "kill" | null;
  out: string;
}

export function parseFleetBenchOptions(argv: string[]): FleetBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: "string" },
      rate: { type: "string" },
      "steady-seconds": { type: "string" },
      "heartbeat-interval": { type: "string" },
      "max-new-streams": { type: "string" },
      restart: { type: "string" },
      "no-restart": { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const number = (name: string, value: string | undefined, fallback: number, min = 1) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min) throw new Error(`--${name} must be a number >= ${min}`);
    return parsed;
  };
  const agents = Math.round(number("agents", values.agents, 10_000));
  // Each agent is a socket in the server and one in a fleet process (the probe fleet takes a thousand of them);
  // the server raises its soft limit to the hard one, and needs a few hundred more for the store and REST.
  const hard = readOpenFileLimit()?.hard ?? 20_000;
  const fit = Math.floor(Math.min(hard, 1_000_000) - FD_HEADROOM);
  if (agents > fit) throw new Error(`--agents: at most ${fit} agents fit under the fd limit of ${hard}`);
  const restart = values["no-restart"] ? null : (values.restart ?? "term");
  if (restart !== null && restart !== "term" && restart !== "kill") {
    throw new Error("--restart must be term or kill");
  }
  return {
    agents,
    rate: number("rate", values.rate, 50),
    steadySeconds: number("steady-seconds", values["steady-seconds"], 60, 5),
    heartbeatIntervalSeconds: Math.round(number("heartbeat-interval", values["heartbeat-interval"], 30)),
    maxNewStreams:
      values["max-new-streams"] === undefined
        ? null
        : Math.round(number("max-new-streams", values["max-new-streams"], 0, 0)),
    restart,
    out: resolve(REPO_ROOT, values.out ?? "bench-results/fleet-bench.json"),
  };
}
