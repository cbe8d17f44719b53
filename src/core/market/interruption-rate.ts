/**
 * Interruption rates from the AWS Spot Advisor bands: the share of a pool's instances interrupted per month. A
 * band is a range (<5 %, 5-10 %, 10-15 %, 15-20 %, >20 %); its middle is the rate, and ">20 %" counts as 25 %.
 */
export const BAND_MONTHLY_RATES: readonly number[] = [0.025, 0.075, 0.125, 0.175, 0.25];

/** A pool the Advisor does not list is assumed to be as risky as the riskiest band. */
export const UNKNOWN_BAND_MONTHLY_RATE = 0.25;

export const HOURS_PER_MONTH = 730;

/**
 * How much evidence the band counts for when the fleet's own interruptions are blended in: ten instance-months.
 * Interruptions are rare, so a weaker prior would let a single one make a pool look interrupted every month;
 * with this one, a first interruption in a band-0 pool raises its rate from 2.5 % to 12.5 % a month, and the
 * fleet's own record takes over once it has run there for many instance-months.
 */
export const PRIOR_EXPOSURE_HOURS = 10 * HOURS_PER_MONTH;

/** The monthly interruption rate of an Advisor band (0..4), or of an unknown one. */
export function monthlyInterruptionRate(band: number | null): number {
  if (band === null || !Number.isInteger(band)) return UNKNOWN_BAND_MONTHLY_RATE;
  return BAND_MONTHLY_RATES[Math.min(Math.max(band, 0), BAND_MONTHLY_RATES.length - 1)] as number;
}

/** The chance that a given instance-hour is interrupted, for a monthly rate. */
export function hourlyInterruptionProbability(monthlyRate: number): number {
  return Math.min(1, Math.max(0, monthlyRate / HOURS_PER_MONTH));
}

/**
 * The monthly rate with the fleet's own observations blended in (a Gamma-Poisson update): the band's rate is a
 * prior worth `priorHours` of exposure, the fleet adds `interruptions` seen over `exposureHours` in the pool.
 */
export function blendedMonthlyRate(
  band: number | null,
  interruptions: number,
  exposureHours: number,
  priorHours = PRIOR_EXPOSURE_HOURS,
): number {
  const prior = monthlyInterruptionRate(band);
  if (interruptions <= 0 && exposureHours <= 0) return prior;
  const hourly =
    ((prior / HOURS_PER_MONTH) * priorHours + Math.max(0, interruptions)) /
    (priorHours + Math.max(0, exposureHours));
  return Math.min(1, hourly * HOURS_PER_MONTH);
}
