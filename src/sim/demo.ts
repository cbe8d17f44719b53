/**
 * `npm run demo`: the control plane on its embedded default (SQLite in ./data/demo, gRPC on :50051, REST and the
 * dashboard on :8080) and a simulated fleet of 50 agents in a separate process, on prices replayed from the
 * shipped market data, at accelerated time (600×: a real minute is ten hours). Switches, interruptions,
 * failovers and savings accumulate in the REST API and the dashboard; a summary line is printed every few
 * seconds. Ctrl-C stops the fleet, then the control plane, cleanly.
 */
import { type ChildProcess, fork } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type App, createApp } from "../app.js";
import { resolveSettings, SettingsError } from "../config/settings.js";
import type { ClientContext } from "../core/clients/client.js";
import { silentLogger } from "../core/logging/logger.js";
import { demoSummary } from "./demo-summary.js";
import { ScaledClock } from "./scaled-clock.js";
import type { SimFleetConfig, SimFleetReport } from "./sim-fleet-process.js";

const USAGE = `Usage: npm run demo -- [options]

  --agents N               simulated agents (default 50)
  --speed X                simulated seconds per real second (default 600: a real minute is ten hours)
  --interruption-boost B   interruptions drawn B times as often as the Spot Advisor bands say (default 30;
                           1 is the real rate, when a short demo sees almost none)
  --seed N                 seed of the interruption draws (default 7)
  --data-dir DIR           the demo's SQLite data directory, emptied at start (default ./data/demo)
  --grpc-addr HOST:PORT    (default 0.0.0.0:50051)
  --http-addr HOST:PORT    (default 0.0.0.0:8080)
`;

const FLEET_ENTRY = fileURLToPath(new URL("./sim-fleet-process.ts", import.meta.url));

function options() {
  const { values } = parseArgs({
    options: {
      agents: { type: "string", default: "50" },
      speed: { type: "string", default: "600" },
      "interruption-boost": { type: "string", default: "30" },
      seed: { type: "string", default: "7" },
      "data-dir": { type: "string", default: "./data/demo" },
      "grpc-addr": { type: "string" },
      "http-addr": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const positive = (name: string, value: string) => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0)
      throw new SettingsError(`--${name} must be a positive number`);
    return number;
  };
  return {
    agents: Math.round(positive("agents", values.agents)),
    speed: positive("speed", values.speed),
    boost: positive("interruption-boost", values["interruption-boost"]),
    seed: Math.round(positive("seed", values.seed)),
    dataDir: values["data-dir"],
    grpcAddr: values["grpc-addr"],
    httpAddr: values["http-addr"],
  };
}

/**
 * The product's settings, read the way `spot-optimizer serve` reads them, with times stretched by the speed so
 * that, in real time, agents still heartbeat every few seconds and jobs run every fraction of a second.
 */
function demoSettings(demo: ReturnType<typeof options>) {
  const seconds = (real: number) => String(Math.min(86_400, Math.max(1, Math.round(real * demo.speed))));
  const every = (realSeconds: number) => {
    const simulated = Math.max(1, Math.round(realSeconds * demo.speed));
    return simulated < 60
      ? `*/${simulated} * * * * *`
      : `0 */${Math.min(59, Math.round(simulated / 60))} * * * *`;
  };
  return resolveSettings({
    flags: {
      "data-dir": demo.dataDir,
      "grpc-addr": demo.grpcAddr,
      "http-addr": demo.httpAddr,
      "log-level": "warn",
      "heartbeat-interval": String(Math.min(3600, Number(seconds(3)))),
      "liveness-deadline": String(Math.min(86_400, Number(seconds(3)) * 6)),
      "command-ttl": seconds(120),
    },
    env: {
      ...process.env,
      SPOT_JOB_HEALTH_MONITOR: every(0.5),
      SPOT_JOB_COMMAND_EXPIRY: every(1),
      SPOT_JOB_STANDBY: every(1),
      SPOT_JOB_SAVINGS: every(5),
      SPOT_JOB_OPTIMIZER: every(1),
      // The collector asks EC2 for prices; the demo's market is the replay, and there is no AWS account.
      SPOT_JOB_MARKET_COLLECTOR: "off",
    },
  });
}

function startFleet(config: SimFleetConfig): ChildProcess {
  return fork(FLEET_ENTRY, [JSON.stringify(config)], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, NODE_OPTIONS: "" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** A third of the agents keep a manual standby; the rest switch automatically and fall back to spot. */
async function configureAgents(app: App, caller: ClientContext): Promise<void> {
  const agents = await app.services.agents.list(caller, { includeDeleted: false });
  for (const [index, agent] of agents.entries()) {
    const patch =
      index % 3 === 0
        ? { manualReplicaEnabled: true, terminateWaitSeconds: 120 }
        : {
            autoSwitchEnabled: true,
            emergencyFallback: index % 2 === 0 ? ("spot" as const) : ("ondemand" as const),
            terminateWaitSeconds: 120,
          };
    await app.services.agents.updateSettings(caller, agent.id, patch);
  }
}

async function main(): Promise<void> {
  const demo = options();
  const settings = demoSettings(demo);
  rmSync(settings.dataDir, { recursive: true, force: true });
  const clock = new ScaledClock(demo.speed, Date.now());
  const app = await createApp({
    settings,
    clock,
    logger: silentLogger,
    sessions: {
      // Session upkeep in simulated time, so that in real time it stays about what production does.
      lastSeenFlushMs: 1_000 * demo.speed,
      disconnectGraceMs: 15_000 * demo.speed,
      // 50 agents need no admission control, and its retry hints would be in simulated time.
      admission: { ratePerSecond: 0, burst: 0, maxRetryAfterMs: 0 },
    },
  });
  const { grpcPort, httpPort } = await app.start();
  const { client, token } = await app.services.clients.create({
    name: "Demo fleet",
    email: "demo@example.com",
  });
  const caller: ClientContext = { clientId: client.id, clientName: client.name };
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `Spot Optimizer demo: ${demo.agents} simulated agents, ${demo.speed}× time, interruptions ×${demo.boost}`,
  );
  log(`  dashboard  http://localhost:${httpPort}/dashboard   (sign in with the client token below)`);
  log(`  client     ${client.id}`);
  log(`  token      ${token}`);
  log(
    `  REST       curl -H "authorization: Bearer ${token}" http://localhost:${httpPort}/api/client/${client.id}/switch-history`,
  );
  log(`  admin      token in ${settings.dataDir}/admin-token (GET /metrics, /api/admin/*)`);

  const fleet = startFleet({
    address: `127.0.0.1:${grpcPort}`,
    token,
    agents: demo.agents,
    region: "us-east-1",
    speed: demo.speed,
    simStart: clock.start,
    origin: clock.origin,
    seed: demo.seed,
    interruptionBoost: demo.boost,
  });
  let latest: Extract<SimFleetReport, { type: "stats" }> | undefined;
  let summary: NodeJS.Timeout | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(summary);
    log("\nstopping: the simulated fleet, then the control plane");
    const exited = new Promise((resolve) => fleet.once("exit", resolve));
    if (fleet.connected) fleet.disconnect();
    const force = setTimeout(() => fleet.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(force);
    log(await demoSummary(app, clock, latest));
    await app.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  const report = () =>
    demoSummary(app, clock, latest).then(log, (error: unknown) => log(`demo: no summary: ${String(error)}`));
  fleet.on("message", (message: SimFleetReport) => {
    if (message.type === "ready") {
      configureAgents(app, caller).then(
        () => {
          log(`  ${message.agents} agents connected; a summary every 5 s (Ctrl-C to stop)\n`);
          summary = setInterval(() => void report(), 5_000);
        },
        (error: unknown) => {
          process.stderr.write(`demo: configuring the agents failed: ${String(error)}\n`);
          void stop(1);
        },
      );
    } else if (message.type === "stats") latest = message;
    else if (message.type === "failed") {
      process.stderr.write(`demo: the simulated fleet failed: ${message.error}\n`);
      void stop(1);
    }
  });
  fleet.on("exit", (code) => {
    if (!stopping) {
      process.stderr.write(`demo: the simulated fleet exited (${code})\n`);
      void stop(1);
    }
  });
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  process.stderr.write(
    `demo: ${code === "EADDRINUSE" ? `address already in use (is a control plane running? --grpc-addr / --http-addr): ` : ""}${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(error instanceof SettingsError ? 2 : 1);
});
