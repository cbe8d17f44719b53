/**
 * Where an on-demand price comes from: the public list price, an estimate from the Spot Advisor's typical
 * discount and an observed spot price, or (no Advisor figure either) three times the spot price, the original
 * agent's rule. Estimates are always labelled as such.
 */
export type OnDemandSource = "reported" | "list" | "advisor_estimate" | "spot_multiple";

export interface OnDemandQuote {
  price: number;
  source: OnDemandSource;
}

/** On-demand prices of instance types (a port: the tables ship with the AWS adapter). */
export interface OnDemandPrices {
  /** The list price, else an estimate from `spotPrice` (an observed spot price of the type), else null. */
  quote(region: string, instanceType: string, spotPrice: number | null): OnDemandQuote | null;
}

export const isEstimate = (source: OnDemandSource) =>
  source === "advisor_estimate" || source === "spot_multiple";
