/** Command-line options of `npm run bench` (run-benchmarks.ts). */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../support/server-process.js";

const USAGE = `Usage: npm run bench -- [options]

  --agents N            agents connected while push latency is measured (default 1000)
  --hb-agents N         agents flooding heartbeats (default 2000; --quick 1000)
  --memory-agents A,B   idle agent counts at which the server's RSS is read (default 1000,5000)
  --rate R              force-switch commands per second (default 100)
  --push-heartbeats N   stream heartbeats per second sent by the connected agents while pushes are measured
                        (default 0; the hot-paths issue measures push p99 with 2000)
  --samples N           measured commands (default 1000; 50 more are sent first as warm-up)
  --hb-seconds S        length of one heartbeat flood (default 5)
  --repeats N           heartbeat floods; the median is reported (default 3)
  --only LIST           some of push,heartbeats,memory (default all three)
  --stores LIST         the stores to serve on, one after the other: sqlite,postgres (default both; PostgreSQL
                        is a throwaway cluster with its default durability, started by the benchmark)
  --quick               300 commands, 2 floods of 3 s by 1000 agents, memory at 1000 and 2000 agents
  --out PATH            JSON report (default bench-results/core-bench.json)

Environment: SPOT_BENCH_SERVER_NODE_ARGS adds node flags to the server (e.g. "--cpu-prof").
`;

export interface BenchOptions {
  agents: number;
  hbAgents: number;
  memoryAgents: number[];
  rate: number;
  pushHeartbeats: number;
  samples: number;
  hbSeconds: number;
  repeats: number;
  only: Set<string>;
  stores: Array<"sqlite" | "postgres">;
  quick: boolean;
  out: string;
}

/** Background heartbeats during the push measurement: 0 (the default) or a rate. */
function pushHeartbeats(value: string | undefined): number {
  if (value === undefined) return 0;
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate < 0) throw new Error("--push-heartbeats must be a number >= 0");
  return rate;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: "string" },
      "hb-agents": { type: "string" },
      "memory-agents": { type: "string" },
      rate: { type: "string" },
      "push-heartbeats": { type: "string" },
      samples: { type: "string" },
      "hb-seconds": { type: "string" },
      repeats: { type: "string" },
      only: { type: "string" },
      stores: { type: "string" },
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const positive = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number`);
    return number;
  };
  const count = (name: string, value: string | undefined, fallback: number) => {
    const number = Math.round(positive(name, value, fallback));
    // Each agent is a socket in the fleet and one in the server; the hard fd limit here is 20,000.
    if (number > 18_000) throw new Error(`--${name}: at most 18000 agents fit under the fd limit of 20000`);
    return number;
  };
  const memoryAgents = (values["memory-agents"] ?? (quick ? "1000,2000" : "1000,5000"))
    .split(",")
    .map((part) => count("memory-agents", part.trim(), 0))
    .sort((a, b) => a - b);
  const only = new Set((values.only ?? "push,heartbeats,memory").split(",").map((part) => part.trim()));
  for (const name of only) {
    if (!["push", "heartbeats", "memory"].includes(name))
      throw new Error(`--only: unknown benchmark "${name}"`);
  }
  const stores = [...new Set((values.stores ?? "sqlite,postgres").split(",").map((part) => part.trim()))];
  for (const store of stores) {
    if (store !== "sqlite" && store !== "postgres") throw new Error(`--stores: unknown store "${store}"`);
  }
  return {
    agents: count("agents", values.agents, 1000),
    hbAgents: count("hb-agents", values["hb-agents"], quick ? 1000 : 2000),
    memoryAgents,
    rate: positive("rate", values.rate, 100),
    pushHeartbeats: pushHeartbeats(values["push-heartbeats"]),
    samples: Math.round(positive("samples", values.samples, quick ? 300 : 1000)),
    hbSeconds: positive("hb-seconds", values["hb-seconds"], quick ? 3 : 5),
    repeats: Math.round(positive("repeats", values.repeats, quick ? 2 : 3)),
    only,
    stores: stores as Array<"sqlite" | "postgres">,
    quick,
    out: resolve(REPO_ROOT, values.out ?? "bench-results/core-bench.json"),
  };
}
