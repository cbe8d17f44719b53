import { credentials } from "@grpc/grpc-js";
import { agentChannel, processClock } from "../agent/protocol/agent-channel.js";
import type { SessionPolicy } from "../agent/protocol/agent-session.js";
import { RECONNECT_BACKOFF } from "../agent/protocol/backoff.js";
import { emptyStreamStats, type StreamStats } from "../agent/protocol/stream-stats.js";
import type { MarketFeed } from "./market-feed.js";
import type { ScaledClock } from "./scaled-clock.js";
import { SimAgent } from "./sim-agent.js";
import { emptySimCounters, type SimCounters } from "./simulated-command-executor.js";

export interface SimFleetOptions {
  address: string;
  token: string;
  agents: number;
  region: string;
  /** Real milliseconds between two ticks of every agent. */
  tickMs?: number;
}

/**
 * A fleet of simulated agents in one process, each on its own gRPC channel, driven by one timer (a timer per
 * agent would not scale to thousands). Agents are spread over instance types with several zones each, starting
 * in a zone of their type.
 */
export class SimFleet {
  readonly counters: SimCounters = emptySimCounters();
  readonly streams: StreamStats = emptyStreamStats();
  private readonly agents: SimAgent[] = [];
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: SimFleetOptions,
    private readonly feed: MarketFeed,
    private readonly clock: ScaledClock,
  ) {}

  /** Connects every agent (at most 50 handshakes at a time) and starts ticking. */
  async start(): Promise<void> {
    const types = this.feed.fleetTypes(this.options.region, 8);
    if (types.length === 0)
      throw new Error(`the market replay has no instance type with 3 zones in ${this.options.region}`);
    // One policy for all: the real agent's reconnects, heartbeats from the fleet's ticker (in simulated time).
    const policy: SessionPolicy = {
      clock: processClock,
      backoff: RECONNECT_BACKOFF,
      welcomeTimeoutMs: 30_000,
      heartbeats: "tick",
      reconnect: true,
      stats: this.streams,
    };
    for (let index = 0; index < this.options.agents; index++) {
      const instanceType = types[index % types.length] as string;
      const zones = this.feed.poolsOf(instanceType, this.options.region).map((pool) => pool.availabilityZone);
      const zone = zones[Math.floor(index / types.length) % zones.length] as string;
      const { client, metadata } = agentChannel(
        this.options.address,
        this.options.token,
        credentials.createInsecure(),
        { "grpc.use_local_subchannel_pool": 1 },
      );
      this.agents.push(
        new SimAgent(
          `sim-${String(index + 1).padStart(3, "0")}`,
          { instanceType, zone, mode: "spot" },
          client,
          metadata,
          this.feed,
          this.clock,
          this.counters,
          policy,
        ),
      );
    }
    let next = 0;
    const worker = async () => {
      while (next < this.agents.length) await (this.agents[next++] as SimAgent).start();
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    this.ticker = setInterval(() => {
      for (const agent of this.agents) agent.tick();
    }, this.options.tickMs ?? 200);
  }

  get size(): number {
    return this.agents.length;
  }

  stop(): void {
    clearInterval(this.ticker);
    for (const agent of this.agents) agent.close();
  }
}
