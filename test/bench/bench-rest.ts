/**
 * `npm run bench:rest`: the REST bridge's hot routes under 32 connections (autocannon, keep-alive), on the SQLite
 * default, against an unknown path as the yardstick of what the bare stack answers in the same run.
 *
 *   heartbeat          POST /api/agents/:id/heartbeat of a legacy agent (1,000 agents, round robin)
 *   pending-commands   GET /api/agents/:id/pending-commands with one switch command queued (and delivered)
 *   health             GET /health (the load balancer's readiness probe)
 *   client agents      GET /api/client/:clientId/agents with 1,000 agents
 *   force-switch       POST /api/client/instances/:id/force-switch (round robin over 999 instances)
 *   unknown path       GET /no-such-route (404: the yardstick)
 *
 * Routes take turns, round by round, so a burst of other load hits all of them alike; the table gives the median
 * of the rounds of req/s, p50, p99 and the server's CPU per request (user + system of the server process over the
 * round, divided by the answers). Writes JSON (bench-results/rest-bench.json).
 *
 *   npm run bench:rest -- [--rounds 3] [--duration 10] [--connections 32] [--tool wrk|autocannon]
 *                         [--routes heartbeat,health] [--out bench-results/rest-bench.json]
 *
 * The load comes from Debian's wrk (`wrk -t2`, the tool) when it is installed, else from autocannon in this
 * process (a Node client: it saturates its own core near 20k req/s, so it understates the fast routes).
 *
 * SPOT_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench-results/prof" profiles the server.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import autocannon from "autocannon";
import { REPO_ROOT } from "../support/server-process.js";
import { BenchServer } from "./bench-server.js";
import { processCpuSeconds } from "./proc-stats.js";
import { formatCount, median, renderTable, round } from "./stats.js";
import { runWrk, wrkAvailable } from "./wrk-load.js";

const AGENTS = 1_000;

const USAGE = `npm run bench:rest -- [options]

The REST bridge's hot routes under load on the SQLite default, against an unknown path (404) as the yardstick.

  --rounds N        rounds; each route takes its turn in every round (default 3)
  --duration S      seconds per route and round (default 10)
  --connections N   keep-alive connections (default 32)
  --routes LIST     comma-separated starts of route names: heartbeat, pending-commands, health, client,
                    force-switch, unknown (default: all)
  --tool NAME       wrk (Debian's, the default when installed) or autocannon
  --out FILE        the JSON report (default bench-results/rest-bench.json)
  -h, --help        this text

SPOT_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench-results/prof" profiles the server.`;

const { values } = parseOptions({
  args: process.argv.slice(2),
  options: {
    help: { type: "boolean", short: "h" },
    rounds: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string" },
    routes: { type: "string" },
    tool: { type: "string" },
    out: { type: "string" },
  },
});
/** parseArgs, with a wrong option answered by one line and the usage (exit 2), not a stack trace. */
function parseOptions<const T extends ParseArgsConfig>(config: T) {
  try {
    return parseArgs(config);
  } catch (error) {
    console.error(`bench:rest: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const rounds = Number(values.rounds ?? 3);
const durationSeconds = Number(values.duration ?? 10);
const connections = Number(values.connections ?? 32);
const out = resolve(values.out ?? join(REPO_ROOT, "bench-results/rest-bench.json"));
if (values.tool !== undefined && values.tool !== "wrk" && values.tool !== "autocannon") {
  console.error(`bench:rest: --tool must be wrk or autocannon, not ${values.tool}`);
  process.exit(2);
}

/** The targets (req/s) where it sets one; every route: p99 < 20 ms, no non-2xx, >= half the yardstick. */
const TARGET_PER_SECOND: Record<string, number> = {
  heartbeat: 21_000,
  "pending-commands": 16_000,
  health: 30_000,
};
const P99_TARGET_MS = 20;

interface Fixture {
  url: string;
  adminToken: string;
  clientId: string;
  token: string;
  agents: Array<{ id: string; instanceId: string }>;
}

interface RouteSpec {
  name: string;
  method: "GET" | "POST";
  /** Path of the n-th request of a connection. */
  path: (n: number) => string;
  body?: string;
  auth: boolean;
  expectStatus: number;
}

interface RoundResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  answers: number;
  unexpectedStatus: number;
  errors: number;
  serverCpuMicrosecondsPerRequest: number;
}

async function call(url: string, token: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** A client with 1,000 registered legacy agents; agent 0 has one switch command queued and already fetched once. */
async function seed(url: string, adminToken: string): Promise<Fixture> {
  const created = (await call(`${url}/api/admin/clients/create`, adminToken, "POST", { name: "bench" })) as {
    client: { id: string; token: string };
  };
  const { id: clientId, token } = created.client;
  const agents: Fixture["agents"] = [];
  for (let index = 0; index < AGENTS; index++) {
    const instanceId = `i-${index.toString(16).padStart(17, "0")}`;
    const registered = (await call(`${url}/api/agents/register`, token, "POST", {
      logical_agent_id: `bench-${index}`,
      instance_id: instanceId,
      instance_type: "m5.large",
      region: "us-east-1",
      az: "us-east-1a",
      mode: "spot",
      agent_version: "4.0.0",
    })) as { agent_id: string };
    agents.push({ id: registered.agent_id, instanceId });
  }
  const first = agents[0] as { id: string; instanceId: string };
  await call(`${url}/api/client/instances/${first.instanceId}/force-switch`, token, "POST", {
    target: "ondemand",
  });
  const pending = (await call(`${url}/api/agents/${first.id}/pending-commands`, token, "GET")) as unknown[];
  if (pending.length !== 1) throw new Error(`expected one pending command, got ${pending.length}`);
  return { url, adminToken, clientId, token, agents };
}

function routeSpecs(fixture: Fixture): RouteSpec[] {
  const agentAt = (n: number) => fixture.agents[n % AGENTS] as { id: string; instanceId: string };
  const first = agentAt(0);
  return [
    {
      name: "heartbeat",
      method: "POST",
      path: (n) => `/api/agents/${agentAt(n).id}/heartbeat`,
      body: JSON.stringify({ status: "online" }),
      auth: true,
      expectStatus: 200,
    },
    {
      name: "pending-commands",
      method: "GET",
      path: () => `/api/agents/${first.id}/pending-commands`,
      auth: true,
      expectStatus: 200,
    },
    { name: "health", method: "GET", path: () => "/health", auth: false, expectStatus: 200 },
    {
      name: "client agents (1,000)",
      method: "GET",
      path: () => `/api/client/${fixture.clientId}/agents`,
      auth: true,
      expectStatus: 200,
    },
    {
      name: "force-switch",
      method: "POST",
      // Agent 0 keeps its one queued command for pending-commands.
      path: (n) => `/api/client/instances/${agentAt(1 + (n % (AGENTS - 1))).instanceId}/force-switch`,
      body: JSON.stringify({ target: "ondemand" }),
      auth: true,
      expectStatus: 201,
    },
    { name: "unknown path", method: "GET", path: () => "/no-such-route", auth: false, expectStatus: 404 },
  ];
}

/** The load generator: Debian's wrk (C, two threads, as the issue measured) or autocannon (in this process). */
type LoadTool = "wrk" | "autocannon";

async function runRound(
  tool: LoadTool,
  spec: RouteSpec,
  fixture: Fixture,
  serverPid: number,
): Promise<RoundResult> {
  if (tool === "wrk") return runWrkRound(spec, fixture, serverPid);
  let sent = 0;
  let unexpectedStatus = 0;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (spec.auth) headers.authorization = `Bearer ${fixture.token}`;
  const cpuBefore = processCpuSeconds(serverPid);
  const result = await autocannon({
    url: fixture.url,
    connections,
    duration: durationSeconds,
    headers,
    requests: [
      {
        method: spec.method,
        body: spec.body,
        setupRequest: (request) => ({ ...request, path: spec.path(sent++) }),
        onResponse: (status) => {
          if (status !== spec.expectStatus) unexpectedStatus++;
        },
      },
    ],
  });
  const cpuSeconds = processCpuSeconds(serverPid) - cpuBefore;
  const answers = result.requests.total;
  return {
    requestsPerSecond: round(answers / durationSeconds, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    answers,
    unexpectedStatus,
    errors: result.errors + result.timeouts,
    serverCpuMicrosecondsPerRequest: round((cpuSeconds * 1e6) / Math.max(1, answers), 1),
  };
}

async function runWrkRound(spec: RouteSpec, fixture: Fixture, serverPid: number): Promise<RoundResult> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (spec.auth) headers.authorization = `Bearer ${fixture.token}`;
  const paths = [...new Set(Array.from({ length: AGENTS }, (_, n) => spec.path(n)))];
  const cpuBefore = processCpuSeconds(serverPid);
  const result = await runWrk(
    fixture.url,
    { method: spec.method, paths, body: spec.body, headers, expectStatus: spec.expectStatus },
    connections,
    durationSeconds,
  );
  const cpuSeconds = processCpuSeconds(serverPid) - cpuBefore;
  return {
    ...result,
    serverCpuMicrosecondsPerRequest: round((cpuSeconds * 1e6) / Math.max(1, result.answers), 1),
  };
}

function summarise(name: string, results: RoundResult[]) {
  return {
    route: name,
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    serverCpuMicrosecondsPerRequest: median(results.map((r) => r.serverCpuMicrosecondsPerRequest)),
    unexpectedStatus: results.reduce((sum, r) => sum + r.unexpectedStatus, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    rounds: results,
  };
}

function verdict(summary: ReturnType<typeof summarise>, yardstick: number): string {
  const misses: string[] = [];
  if (summary.rounds.some((r) => r.answers === 0)) misses.push("a round without a single answer");
  const target = TARGET_PER_SECOND[summary.route];
  if (target !== undefined && summary.requestsPerSecond < target) misses.push(`< ${formatCount(target)}/s`);
  if (summary.route !== "unknown path") {
    if (summary.requestsPerSecond < yardstick / 2) misses.push("< half of unknown path");
    if (summary.p99Ms >= P99_TARGET_MS) misses.push(`p99 >= ${P99_TARGET_MS} ms`);
    if (summary.unexpectedStatus > 0 || summary.errors > 0) misses.push("failed answers");
  }
  return misses.length === 0 ? "ok" : `MISSED ${misses.join(", ")}`;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((value) => round(value, 2));
  const adminToken = randomBytes(24).toString("hex");
  const tool: LoadTool =
    (values.tool as LoadTool | undefined) ?? ((await wrkAvailable()) ? "wrk" : "autocannon");
  if (tool === "wrk" && !(await wrkAvailable())) {
    console.error(
      "bench:rest: wrk is not installed (Debian: apt-get install wrk); or pass --tool autocannon",
    );
    process.exit(2);
  }
  console.log(`bench:rest: load from ${tool}`);
  const { server, httpUrl } = await BenchServer.start(adminToken);
  try {
    console.log(`bench:rest: seeding ${formatCount(AGENTS)} legacy agents...`);
    const fixture = await seed(httpUrl, adminToken);
    const specs = routeSpecs(fixture).filter(
      (spec) => !values.routes || values.routes.split(",").some((part) => spec.name.startsWith(part)),
    );
    const results = new Map<string, RoundResult[]>(specs.map((spec) => [spec.name, []]));
    for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
      for (const spec of specs) {
        const result = await runRound(tool, spec, fixture, server.pid);
        results.get(spec.name)?.push(result);
        console.log(
          `  round ${roundIndex + 1}/${rounds} ${spec.name}: ${formatCount(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms`,
        );
      }
    }
    const summaries = specs.map((spec) => summarise(spec.name, results.get(spec.name) ?? []));
    const yardstick = summaries.find((s) => s.route === "unknown path")?.requestsPerSecond ?? 0;
    const rows = [
      ["route", "req/s", "p50 ms", "p99 ms", "server CPU µs/req", "vs unknown", "failed", "target"],
    ];
    for (const summary of summaries) {
      rows.push([
        summary.route,
        formatCount(summary.requestsPerSecond),
        String(summary.p50Ms),
        String(summary.p99Ms),
        String(summary.serverCpuMicrosecondsPerRequest),
        yardstick ? `${round(summary.requestsPerSecond / yardstick, 2)}×` : "",
        String(summary.unexpectedStatus + summary.errors),
        verdict(summary, yardstick),
      ]);
    }
    const loadAtEnd = loadavg().map((value) => round(value, 2));
    console.log(
      `\n${connections} connections, ${durationSeconds} s per route per round, medians of ${rounds} rounds; load average ${loadAtStart.join(" ")} → ${loadAtEnd.join(" ")} on ${cpus().length} CPUs\n`,
    );
    console.log(renderTable(rows));
    mkdirSync(dirname(out), { recursive: true });
    const report = {
      benchmark: "rest",
      at: new Date().toISOString(),
      store: "sqlite",
      tool:
        tool === "wrk"
          ? "wrk 4.1.0 (Debian, -t2, keep-alive)"
          : "autocannon 9.0.0 (in the benchmark process, one thread)",
      connections,
      durationSeconds,
      rounds,
      agents: AGENTS,
      cpus: cpus().length,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadAtEnd,
      routes: summaries.map((summary) => ({ ...summary, verdict: verdict(summary, yardstick) })),
    };
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nJSON: ${out}`);
  } finally {
    await server.stop();
  }
}

await main();
