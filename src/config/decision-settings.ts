import { SettingsError } from "./settings-error.js";

/** How the decision engine and the automatic optimizer run. */
export interface DecisionConfig {
  /** The optimizer records what it would do and issues no command. */
  optimizerDryRun: boolean;
  /** The market collector calls DescribeSpotPriceHistory (needs AWS credentials); off: agents' reports only. */
  marketCollector: boolean;
}

export const DEFAULT_DECISION_CONFIG: DecisionConfig = { optimizerDryRun: false, marketCollector: false };

const TRUE = new Set(["1", "true", "on", "yes"]);
const FALSE = new Set(["0", "false", "off", "no"]);

/** SPOT_OPTIMIZER_DRY_RUN and SPOT_MARKET_COLLECTOR (on/off, true/false, 1/0). Throws SettingsError. */
export function resolveDecisionConfig(env: Readonly<Record<string, string | undefined>>): DecisionConfig {
  return {
    optimizerDryRun: flag(env, "SPOT_OPTIMIZER_DRY_RUN", DEFAULT_DECISION_CONFIG.optimizerDryRun),
    marketCollector: flag(env, "SPOT_MARKET_COLLECTOR", DEFAULT_DECISION_CONFIG.marketCollector),
  };
}

function flag(env: Readonly<Record<string, string | undefined>>, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new SettingsError(`${name} must be on or off (true/false, 1/0), got "${env[name]}"`);
}
