import type { OnDemandPrices, OnDemandQuote } from "../core/market/on-demand-quote.js";
import { onDemandListPrice } from "./ondemand-price-table.js";
import { advisorSavingsPercent } from "./spot-advisor.js";

/**
 * The on-demand price of a type: the shipped list price (us-east-1 today), else an estimate from the Advisor's
 * typical spot discount for the type in its region and an observed spot price (`spot / (1 - savings%)`), else
 * three times the spot price (what the original agent fell back to). Null with neither a list price nor a spot price.
 */
export function onDemandQuote(
  region: string,
  instanceType: string,
  spotPrice: number | null,
): OnDemandQuote | null {
  const listed = onDemandListPrice(region, instanceType);
  if (listed !== null) return { price: listed, source: "list" };
  if (spotPrice === null || !(spotPrice > 0)) return null;
  const savings = advisorSavingsPercent(region, instanceType);
  if (savings !== null && savings > 0 && savings < 100) {
    const clamped = Math.min(Math.max(savings, 5), 95);
    return { price: round6(spotPrice / (1 - clamped / 100)), source: "advisor_estimate" };
  }
  return { price: round6(spotPrice * 3), source: "spot_multiple" };
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

export const shippedOnDemandPrices: OnDemandPrices = { quote: onDemandQuote };
