import type { Clock } from "../clock/clock.js";
import { featureRows, type PoolMarket } from "../market/price-features.js";
import type { ActiveModel } from "../models/active-model.js";
import type { PriceStep } from "../pricing/price-series-repository.js";
import type { PriceForecast } from "./decision.js";

/** A pool as the forecasts need to know it before its prices are read. */
export interface ForecastPool {
  poolId: string;
  instanceType: string;
  region: string;
  onDemandPrice: number;
  band: number | null;
}

interface Cached {
  at: number;
  modelId: string;
  forecast: PriceForecast;
}

/** How long a pool's forecast is reused: the features move by the hour, decisions come every few minutes. */
export const FORECAST_CACHE_MS = 5 * 60_000;

/** The model in service and how much its forecasts weigh; null when none is loaded (the rules decide). */
export interface ForecastModel {
  /** "<name> <version>". */
  version: string;
  /** 0..1, the model's own (see CostSettings.forecastWeight). */
  weight: number;
  /** How far its mean-price forecast reaches. */
  horizonHours: number;
}

/**
 * The model's forecasts for pools, in batches: pools without a fresh cached forecast are featurised together
 * (with their neighbours, the same type in the other zones) and sent to the model in one call. Empty when no
 * model is loaded (the engine then decides by the rules) and when the model's forecasts weigh nothing (they are
 * not computed at all).
 */
export class MarketForecasts {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly active: ActiveModel,
    private readonly clock: Clock,
    private readonly steps: (poolId: string, from: number, to: number) => PriceStep[],
  ) {}

  async forecast(
    pools: readonly ForecastPool[],
  ): Promise<{ forecasts: Map<string, PriceForecast>; model: ForecastModel | null }> {
    const now = this.clock.now();
    const result = await this.active.use(async (model, record) => {
      const forecasts = new Map<string, PriceForecast>();
      const used: ForecastModel = {
        version: `${record.name} ${record.version}`,
        weight: model.info.forecastWeight,
        horizonHours: model.info.horizonHours,
      };
      if (used.weight === 0) return { forecasts, model: used };
      const missing = new Set<string>();
      for (const pool of pools) {
        const cached = this.cache.get(pool.poolId);
        if (cached && cached.modelId === record.id && now - cached.at < FORECAST_CACHE_MS) {
          forecasts.set(pool.poolId, cached.forecast);
        } else missing.add(`${pool.region}|${pool.instanceType}`);
      }
      if (missing.size > 0) {
        const markets: PoolMarket[] = pools
          .filter((pool) => missing.has(`${pool.region}|${pool.instanceType}`))
          .map((pool) => ({
            ...pool,
            steps: this.steps(pool.poolId, now - 7 * 86_400_000 - 3_600_000, now),
          }));
        const rows = featureRows(now, markets);
        const ids = [...rows.keys()];
        const predicted = await model.predict(ids.map((id) => rows.get(id) as Float32Array));
        ids.forEach((id, i) => {
          const forecast = predicted[i] as PriceForecast;
          forecasts.set(id, forecast);
          this.cache.set(id, { at: now, modelId: record.id, forecast });
        });
      }
      return { forecasts, model: used };
    });
    if (this.cache.size > 50_000) this.prune(now);
    return result ?? { forecasts: new Map(), model: null };
  }

  private prune(now: number): void {
    for (const [id, cached] of this.cache) if (now - cached.at >= FORECAST_CACHE_MS) this.cache.delete(id);
  }
}
