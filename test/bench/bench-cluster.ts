/**
 * `npm run bench:cluster`: several control-plane processes on one PostgreSQL against one process alone, on the
 * same run and machine. A throwaway PostgreSQL cluster, `serve` processes started by the real CLI, and a
 * simulated fleet in this process (the real agent's session over the agent's address list).
 *
 * Figures: push latency p50/p99 from the REST request on one process to the agent's receipt on another (the
 * command crosses the database: commit, NOTIFY, read, push); the time until every agent of a SIGKILLed process
 * is welcomed again (cluster: by the others; alone: by the same process restarted at once, as systemd would).
 *
 *   --agents N     agents per process (default 1000)
 *   --commands N   commands measured per scenario (default 300)
 *   --out PATH     JSON report (default bench-results/cluster-bench.json)
 *   BENCH_CONCURRENCY=N  commands in flight at once (default 1: the latency of one command, not of a queue)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { credentials } from "@grpc/grpc-js";
import type { Command } from "../../gen/spot/v1/command.js";
import { agentChannel, processClock, ServerList } from "../../src/agent/protocol/agent-channel.js";
import { AgentSession } from "../../src/agent/protocol/agent-session.js";
import { CliProcess, REPO_ROOT } from "../support/cli-process.js";
import { createClient } from "../support/fixtures.js";
import { PostgresCluster } from "../support/postgres-cluster.js";
import { helloFor } from "../support/test-agent.js";
import { percentile, renderTable, round } from "./stats.js";

const { values } = parseArgs({
  options: { agents: { type: "string" }, commands: { type: "string" }, out: { type: "string" } },
});
const AGENTS = Number(values.agents ?? 1000);
const COMMANDS = Number(values.commands ?? 300);
const OUT = resolve(REPO_ROOT, values.out ?? "bench-results/cluster-bench.json");
const ADMIN_TOKEN = "cluster-bench-admin-token-0123456";
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);

interface Server {
  process: CliProcess;
  grpc: string;
  http: string;
  dataDir: string;
}

async function startServer(url: string, nodeId: string, grpcPort = 0): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), "spot-cluster-bench-"));
  const child = new CliProcess({
    name: nodeId,
    env: {
      SPOT_DATABASE_URL: url,
      SPOT_ADMIN_TOKEN: ADMIN_TOKEN,
      SPOT_MAX_NEW_STREAMS: "0",
      SPOT_LOG_LEVEL: "info",
    },
    args: [
      "serve",
      "--grpc-addr",
      `127.0.0.1:${grpcPort}`,
      "--http-addr",
      "127.0.0.1:0",
      "--data-dir",
      dataDir,
      "--node-id",
      nodeId,
    ],
  });
  const line = await child.waitForLine((entry) => entry.msg === "listening", 120_000);
  return { process: child, grpc: String(line.grpc), http: `http://${String(line.http)}`, dataDir };
}

/** One simulated agent: acknowledges and completes each command at once, and notes when it arrived. */
class BenchAgent {
  readonly session: AgentSession;
  readonly hello = helloFor(`bench-${Math.random().toString(36).slice(2, 10)}`);
  welcomedAt = 0;
  readonly receivedAt = new Map<string, number>();

  constructor(addresses: string[], token: string) {
    const insecure = credentials.createInsecure();
    const { metadata } = agentChannel(addresses[0] as string, token, insecure);
    const servers = new ServerList(
      addresses,
      (address) => agentChannel(address, token, insecure).client,
      () => 0,
    );
    this.session = new AgentSession(
      servers,
      metadata,
      {
        hello: () => this.hello,
        welcome: () => {
          this.welcomedAt = performance.now();
        },
        command: (command: Command) => {
          this.receivedAt.set(command.id, performance.now());
          this.session.send({ $case: "commandAck", value: { commandId: command.id } });
          this.session.send({
            $case: "commandResult",
            value: { commandId: command.id, success: true, message: "" },
          });
        },
      },
      {
        clock: processClock,
        backoff: { baseMs: 200, capMs: 2_000 },
        welcomeTimeoutMs: 30_000,
        heartbeats: "tick",
        reconnect: true,
      },
    );
  }
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let index = 0; index < items.length; index += size)
    await Promise.all(items.slice(index, index + size).map(work));
}

/** Issues one command per agent through `via`, CONCURRENCY at a time; the latencies in ms. */
async function pushLatencies(via: Server, token: string, targets: BenchAgent[]): Promise<number[]> {
  const latencies: number[] = [];
  await inBatches(targets, CONCURRENCY, async (agent) => {
    const started = performance.now();
    const response = await fetch(`${via.http}/api/client/instances/${agent.hello.instanceId}/force-switch`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ target: "ondemand" }),
    });
    const body = (await response.json()) as { command_id?: string };
    if (response.status !== 201 || !body.command_id) throw new Error(`force-switch: ${response.status}`);
    const id = body.command_id;
    const deadline = Date.now() + 30_000;
    while (!agent.receivedAt.has(id)) {
      if (Date.now() > deadline) throw new Error("a command never arrived");
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    latencies.push((agent.receivedAt.get(id) as number) - started);
  });
  return latencies;
}

async function allWelcomedAfter(agents: BenchAgent[], since: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (agents.some((agent) => agent.welcomedAt <= since)) {
    if (Date.now() > deadline) throw new Error("agents did not come back in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Math.max(...agents.map((agent) => agent.welcomedAt)) - since;
}

interface Figures {
  processes: number;
  agents: number;
  pushP50Ms: number;
  pushP99Ms: number;
  backAfterKillMs: number;
}

async function scenario(cluster: PostgresCluster, processes: number): Promise<Figures> {
  const url = await cluster.createDatabase(`bench_${processes}_${Date.now()}`);
  const servers: Server[] = [];
  for (let index = 0; index < processes; index++) servers.push(await startServer(url, `cp-${index}`));
  const { token } = await createClient(servers[0]?.grpc as string, ADMIN_TOKEN, "Bench");
  const fleets: BenchAgent[][] = servers.map((_, index) => {
    const order = servers.map((__, offset) => servers[(index + offset) % servers.length] as Server);
    return Array.from(
      { length: AGENTS },
      () =>
        new BenchAgent(
          order.map((server) => server.grpc),
          token,
        ),
    );
  });
  const everyone = fleets.flat();
  await inBatches(everyone, 200, (agent) => agent.session.start());
  console.log(`  ${processes} process(es): ${everyone.length} agents connected`);

  // Commands issued on the process after the agent's (alone: the same one).
  const perFleet = Math.ceil(COMMANDS / fleets.length);
  const latencies: number[] = [];
  for (const [index, fleet] of fleets.entries()) {
    const via = servers[(index + 1) % servers.length] as Server;
    latencies.push(...(await pushLatencies(via, token, fleet.slice(0, perFleet))));
  }

  // SIGKILL the second process (alone: the only one, restarted on its port at once).
  const victimIndex = processes > 1 ? 1 : 0;
  const victim = servers[victimIndex] as Server;
  const killedAt = performance.now();
  victim.process.kill("SIGKILL");
  await victim.process.exited;
  if (processes === 1) {
    const port = Number(victim.grpc.split(":").pop());
    servers[0] = await startServer(url, "cp-0", port);
  }
  const backAfterKillMs = await allWelcomedAfter(fleets[victimIndex] as BenchAgent[], killedAt);

  for (const agent of everyone) agent.session.close();
  for (const [index, server] of servers.entries()) {
    if (processes > 1 && index === victimIndex) continue;
    await server.process.stop(10_000);
  }
  for (const server of servers) rmSync(server.dataDir, { recursive: true, force: true });
  return {
    processes,
    agents: everyone.length,
    pushP50Ms: round(percentile(latencies, 50)),
    pushP99Ms: round(percentile(latencies, 99)),
    backAfterKillMs: Math.round(backAfterKillMs),
  };
}

const cluster = await PostgresCluster.start();
try {
  console.log(`bench:cluster: ${AGENTS} agents per process, ${COMMANDS} commands per scenario`);
  const results = [await scenario(cluster, 3), await scenario(cluster, 1)];
  console.log(
    renderTable([
      ["processes", "agents", "push p50 ms", "push p99 ms", "all back after SIGKILL ms"],
      ...results.map((row) => [
        String(row.processes),
        String(row.agents),
        String(row.pushP50Ms),
        String(row.pushP99Ms),
        String(row.backAfterKillMs),
      ]),
    ]),
  );
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    `${JSON.stringify({ at: new Date().toISOString(), agentsPerProcess: AGENTS, results }, null, 2)}\n`,
  );
  console.log(`written ${OUT}`);
} finally {
  await cluster.destroy();
}
process.exit(0);
