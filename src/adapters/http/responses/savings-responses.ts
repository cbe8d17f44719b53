import { z } from "zod";
import { numberOrNull } from "./json-values.js";

const periodFigures = {
  savings: numberOrNull,
  onDemandCost: numberOrNull,
  modelCost: numberOrNull.describe("What was really paid"),
  instances: z.number(),
  instanceHours: numberOrNull,
};

/** C18: per month (range=monthly) or per UTC day (range=daily). */
export const savingsResponse = z.union([
  z.array(z.object({ name: z.string(), month: z.string(), ...periodFigures })),
  z.array(z.object({ date: z.string(), ...periodFigures })),
]);

/** C20. */
export const chartsResponse = z.object({
  savingsTrend: z.array(
    z.object({
      month: z.string(),
      period: z.string(),
      savings: numberOrNull,
      baseline: numberOrNull,
      actual: numberOrNull,
    }),
  ),
  modeDistribution: z.array(z.object({ mode: z.string(), count: z.number() })),
  switchFrequency: z.array(z.object({ date: z.string(), switches: z.number() })),
});
