/**
 * The market the benchmark's fleet lives in: the shipped replay's latest prices for every us-east-1 pool that
 * fits the agents' m5.large (2 vCPU, 8 GiB), reported once by one agent so that the optimizer has real
 * decisions to take for all of them.
 */
import { instanceSize } from "../../src/aws/spot-advisor.js";
import { fitsRequirement, requirementOf } from "../../src/core/market/instance-size.js";
import { MarketReplay, SHIPPED_PRICE_FILE } from "../../src/replay/market-replay.js";
import type { ReportPricesRequest } from "./fleet-protocol.js";

export const FLEET_INSTANCE_TYPE = "m5.large";

export function fleetMarketPrices(): { pools: ReportPricesRequest["pools"]; onDemandPrice: number } {
  const market = MarketReplay.fromFile(SHIPPED_PRICE_FILE);
  const need = requirementOf(FLEET_INSTANCE_TYPE, { size: instanceSize });
  if (!need) throw new Error(`no size known for ${FLEET_INSTANCE_TYPE}`);
  const pools: ReportPricesRequest["pools"] = [];
  let onDemandPrice = 0;
  for (const pool of market.pools()) {
    if (pool.region !== "us-east-1") continue;
    if (!fitsRequirement(pool.instanceType, instanceSize(pool.instanceType), need)) continue;
    const price = market.priceAt(pool.id, market.end);
    if (price === null) continue;
    pools.push({ instanceType: pool.instanceType, availabilityZone: pool.availabilityZone, price });
    if (pool.instanceType === FLEET_INSTANCE_TYPE) onDemandPrice = pool.onDemand.price;
  }
  return { pools, onDemandPrice };
}
