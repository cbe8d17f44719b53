import type { AgentRepository } from "../agents/agent-repository.js";
import { lockLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { invalidArgument } from "../errors/app-error.js";
import type { InstanceRepository } from "../instances/instance-repository.js";
import type { Store } from "../unit-of-work.js";
import { reportedTime, requirePrice } from "../validation/validate.js";
import { makePool, type Pool } from "./pool.js";
import type { PoolPrice, PriceRepository } from "./price-repository.js";

export interface PricingReportInput {
  onDemandPrice: number | null;
  pools: ReadonlyArray<{ instanceType: string; availabilityZone: string; price: number }>;
  collectedAt: number | null;
}

const MAX_POOLS_PER_REPORT = 500;

export interface PricingServiceDeps {
  store: Store<{ agents: AgentRepository; prices: PriceRepository; instances: InstanceRepository }>;
  clock: Clock;
}

/** Market data from agents: pools (created once), spot and on-demand price snapshots, the report itself. */
export class PricingService {
  constructor(private readonly deps: PricingServiceDeps) {}

  ingestReport(
    caller: ClientContext,
    agentId: string,
    report: PricingReportInput,
  ): Promise<{ poolsCreated: number }> {
    const now = this.deps.clock.now();
    if (report.pools.length > MAX_POOLS_PER_REPORT) {
      throw invalidArgument(`a pricing report holds at most ${MAX_POOLS_PER_REPORT} pools`);
    }
    const observedAt = reportedTime("collected_at", report.collectedAt, now) ?? now;
    const onDemandPrice =
      report.onDemandPrice === null ? null : requirePrice("on_demand_price", report.onDemandPrice);
    const priced = report.pools.map((entry, index) => ({
      pool: makePool(entry.instanceType, entry.availabilityZone),
      price: requirePrice(`pools[${index}].price`, entry.price),
    }));

    return this.deps.store.transaction(async (tx) => {
      // The report updates the prices of the agent's instance.
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      for (const { pool } of priced) {
        if (pool.region !== agent.region) {
          throw invalidArgument(`pool ${pool.id} is not in the agent's region ${agent.region}`);
        }
      }
      const poolsCreated = await tx.prices.ensurePools(uniquePools(priced.map((entry) => entry.pool)), now);
      await tx.prices.insertSpotPrices(
        priced.map(({ pool, price }) => ({ poolId: pool.id, price, observedAt, source: "agent" as const })),
        now,
      );
      if (onDemandPrice !== null) {
        await tx.prices.insertOnDemandPrice(agent.region, agent.instanceType, onDemandPrice, observedAt);
      }
      const current = agent.poolId ? priced.find((entry) => entry.pool.id === agent.poolId) : undefined;
      const cheapest = priced.reduce<(typeof priced)[number] | undefined>(
        (best, entry) => (best === undefined || entry.price < best.price ? entry : best),
        undefined,
      );
      await tx.prices.insertPricingReport({
        clientId: agent.clientId,
        agentId: agent.id,
        instanceId: agent.instanceId,
        instanceType: agent.instanceType,
        region: agent.region,
        availabilityZone: agent.availabilityZone,
        mode: agent.mode,
        poolId: agent.poolId,
        onDemandPrice,
        currentSpotPrice: current?.price ?? null,
        cheapestPoolId: cheapest?.pool.id ?? null,
        cheapestPoolPrice: cheapest?.price ?? null,
        pools: priced.map(({ pool, price }) => ({ poolId: pool.id, price })),
        collectedAt: observedAt,
        receivedAt: now,
      });
      await tx.instances.updatePrices(
        agent.clientId,
        agent.instanceId,
        { spot: current?.price ?? null, onDemand: onDemandPrice },
        now,
      );
      return { poolsCreated };
    });
  }

  /** Pools of the instance's type in its region, cheapest first, with prices seen in the last `maxAgeMs`. */
  poolsFor(instanceType: string, region: string, maxAgeMs: number): Promise<PoolPrice[]> {
    return this.deps.store.prices.poolsWithLatestPrice(
      instanceType,
      region,
      this.deps.clock.now() - maxAgeMs,
    );
  }
}

function uniquePools(pools: readonly Pool[]): Pool[] {
  return [...new Map(pools.map((pool) => [pool.id, pool])).values()];
}
