import type { PriceStep } from "../pricing/price-series-repository.js";

/**
 * A price over time as a step function: each observed price holds until the next observation. Before the first
 * observation the first observed price is assumed (the best evidence there is); with no observation at all, the
 * `fallback` (the price recorded on the instance), or no price.
 */
export class StepPrice {
  private cursor = 0;

  constructor(
    private readonly steps: readonly PriceStep[],
    private readonly fallback: number | null,
  ) {}

  /** The price at `t`. Successive calls must not go back in time (a cursor walks the steps). */
  at(t: number): number | null {
    const first = this.steps[0];
    if (!first) return this.fallback;
    while (this.cursor + 1 < this.steps.length && (this.steps[this.cursor + 1] as PriceStep).at <= t) {
      this.cursor++;
    }
    return (this.steps[this.cursor] as PriceStep).price;
  }

  /** The times in (from, to) at which the price may change. */
  changesWithin(from: number, to: number): number[] {
    return this.steps.filter((step) => step.at > from && step.at < to).map((step) => step.at);
  }
}
