import { z } from "zod";

/** An integer query parameter from `min` to `max`; `fallback` when absent. Anything else answers 400. */
export const intQuery = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** An integer the core clamps to its own range (chart windows): only its type is checked here. */
export const clampedIntQuery = (fallback: number) => z.coerce.number().int().default(fallback);

export const instanceModeQuery = z.enum(["spot", "ondemand", "unknown"]);
