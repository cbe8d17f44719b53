import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { AGENT_CHANNEL_OPTIONS } from "../agent/control-channel.js";
import { emptyLinkStats, type LinkStats } from "./agent-link.js";
import type { MarketFeed } from "./market-feed.js";
import type { ScaledClock } from "./scaled-clock.js";
import { emptySimCounters, SimAgent, type SimCounters } from "./sim-agent.js";

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
  readonly streams: LinkStats = emptyLinkStats();
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
    for (let index = 0; index < this.options.agents; index++) {
      const instanceType = types[index % types.length] as string;
      const zones = this.feed.poolsOf(instanceType, this.options.region).map((pool) => pool.availabilityZone);
      const zone = zones[Math.floor(index / types.length) % zones.length] as string;
      const metadata = new Metadata();
      metadata.set("authorization", `Bearer ${this.options.token}`);
      const client = new Client(this.options.address, credentials.createInsecure(), {
        ...AGENT_CHANNEL_OPTIONS,
        "grpc.use_local_subchannel_pool": 1,
      });
      this.agents.push(
        new SimAgent(
          `sim-${String(index + 1).padStart(3, "0")}`,
          { instanceType, zone, mode: "spot" },
          client,
          metadata,
          this.feed,
          this.clock,
          this.counters,
          this.streams,
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
