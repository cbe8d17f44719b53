// What an instance saves per hour at current prices.

/** What an instance saves per hour against on-demand, or null when it is not on spot or a price is unknown. */
export function hourlySaving(instance) {
  if (instance?.mode !== "spot") return null;
  const { spotPrice, onDemandPrice } = instance;
  if (typeof spotPrice !== "number" || typeof onDemandPrice !== "number") return null;
  return onDemandPrice - spotPrice;
}
