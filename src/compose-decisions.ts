import { Ec2SpotPriceSource } from "./aws/ec2-spot-price-source.js";
import { shippedOnDemandPrices } from "./aws/on-demand-prices.js";
import { advisorCatalog, interruptionBand, listedInstanceTypes } from "./aws/spot-advisor.js";
import { DEFAULT_DECISION_CONFIG } from "./config/decision-settings.js";
import type { Settings } from "./config/settings.js";
import type { Clock } from "./core/clock/clock.js";
import type { CommandService } from "./core/commands/command-service.js";
import { DEFAULT_COST_SETTINGS } from "./core/decisions/decision.js";
import { DecisionService } from "./core/decisions/decision-service.js";
import { DEFAULT_ENGINE_GUARD_RAILS } from "./core/decisions/guard-rails.js";
import { LiveMarket } from "./core/decisions/live-market.js";
import { MarketForecasts } from "./core/decisions/market-forecasts.js";
import { OptimizerService } from "./core/decisions/optimizer-service.js";
import type { EventLog } from "./core/events/event-log.js";
import type { Logger } from "./core/logging/logger.js";
import { ActiveModel } from "./core/models/active-model.js";
import { ModelRegistryService } from "./core/models/model-registry-service.js";
import { MarketCollector } from "./core/pricing/market-collector.js";
import { OnnxModelRuntime } from "./model/onnx-model-runtime.js";
import type { DataStore } from "./store/data-store.js";

export interface DecisionServices {
  decisions: DecisionService;
  models: ModelRegistryService;
  optimizer: OptimizerService;
  collector: MarketCollector;
}

/**
 * The decision side of the composition root: the live market view, the model in service (onnxruntime behind the
 * core's port) and its registry, the decision service, the optimizer and the market collector.
 */
export function composeDecisions(input: {
  store: DataStore;
  clock: Clock;
  logger: Logger;
  settings: Settings;
  commands: CommandService;
  events: EventLog;
}): DecisionServices {
  const { store, clock, logger, commands, events } = input;
  const config = input.settings.decisions ?? DEFAULT_DECISION_CONFIG;
  const active = new ActiveModel(logger);
  const forecasts = new MarketForecasts(active, clock, (poolId, from, to) =>
    store.market.priceChanges(poolId, from, to),
  );
  const market = new LiveMarket({
    store,
    clock,
    ports: { catalog: advisorCatalog, onDemand: shippedOnDemandPrices, bands: { band: interruptionBand } },
  });
  const decisions = new DecisionService({
    store,
    clock,
    market,
    forecasts,
    commands,
    events,
    settings: { cost: DEFAULT_COST_SETTINGS, ...DEFAULT_ENGINE_GUARD_RAILS },
  });
  return {
    decisions,
    models: new ModelRegistryService({
      store,
      clock,
      runtime: new OnnxModelRuntime(logger),
      active,
      events,
      logger,
    }),
    optimizer: new OptimizerService({ store, decisions, logger, dryRun: config.optimizerDryRun }),
    collector: new MarketCollector({
      store,
      clock,
      source: config.marketCollector ? new Ec2SpotPriceSource() : null,
      catalog: advisorCatalog,
      knownTypes: listedInstanceTypes,
    }),
  };
}
