import { type ChildProcess, fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StreamStats } from "../../src/agent/protocol/stream-stats.js";
import { REPO_ROOT } from "../support/server-process.js";
import type {
  AwaitBackResult,
  ConnectResult,
  FleetReply,
  FleetRequest,
  FloodResult,
  PushResult,
  ReportPricesRequest,
} from "./fleet-protocol.js";

const FLEET_ENTRY = join(dirname(fileURLToPath(import.meta.url)), "agent-fleet.ts");

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** Extra diagnostics the fleet attaches to a reply when streams ended or messages were rejected. */
export interface FleetDiagnostics {
  lostStreams?: string[];
  rejections?: string[];
}

/** The agent-fleet child process (agent-fleet.ts) and a promise-based view of its IPC protocol. */
export class FleetProcess {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  onProgress: (connected: number, target: number, failures: number) => void = () => {};

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (message: FleetReply) => {
      if (message.type === "progress") {
        this.onProgress(message.connected, message.target, message.failures);
        return;
      }
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`agent fleet: ${message.error}`));
    });
    child.once("exit", (code, signal) => {
      liveFleets.delete(this);
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`agent fleet exited (${code ?? signal}) during a request`));
      }
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static start(): FleetProcess {
    const child = fork(FLEET_ENTRY, [], {
      cwd: REPO_ROOT,
      execArgv: ["--import", "tsx", "--max-old-space-size=4096"],
      env: { ...process.env, NODE_OPTIONS: "" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const fleet = new FleetProcess(child);
    liveFleets.add(fleet);
    return fleet;
  }

  private request<T>(request: WithoutId<FleetRequest>): Promise<T & FleetDiagnostics> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...request, id } as FleetRequest);
    });
  }

  setup(grpcAddress: string, httpUrl: string, adminToken: string) {
    return this.request<{ clientToken: string }>({ op: "setup", grpcAddress, httpUrl, adminToken });
  }

  connect(total: number, concurrency: number) {
    return this.request<ConnectResult>({ op: "connect", total, concurrency });
  }

  push(rate: number, samples: number, warmup: number, heartbeatsPerSecond = 0) {
    return this.request<PushResult>({ op: "push", rate, samples, warmup, heartbeatsPerSecond });
  }

  flood(seconds: number) {
    return this.request<FloodResult>({ op: "flood", seconds });
  }

  reportPrices(pools: ReportPricesRequest["pools"], onDemandPrice: number) {
    return this.request<{ pools: number }>({ op: "report-prices", pools, onDemandPrice });
  }

  markRestart() {
    return this.request<{ at: number }>({ op: "mark-restart" });
  }

  awaitBack(since: number, timeoutMs: number) {
    return this.request<AwaitBackResult>({ op: "await-back", since, timeoutMs });
  }

  stats() {
    return this.request<{ total: number; live: number; streams: StreamStats }>({ op: "stats" });
  }

  /** Closes every agent and waits for the process to end (SIGKILL after 5 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.request({ op: "shutdown" }).catch(() => {});
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }

  killNow(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

export const liveFleets = new Set<FleetProcess>();
