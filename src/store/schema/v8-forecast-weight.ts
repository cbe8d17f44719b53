import type { StoreMigration } from "./store-migration.js";

export const forecastWeight: StoreMigration = {
  name: "model registry: the weight each model's training chose for its forecasts",
  sql: {
    sqlite: `
-- 0..1, from the model's metadata; models registered before it was stated weigh nothing.
ALTER TABLE models ADD COLUMN forecast_weight REAL NOT NULL DEFAULT 0 CHECK (forecast_weight BETWEEN 0 AND 1);
`,
    postgres: `
-- 0..1, from the model's metadata; models registered before it was stated weigh nothing.
ALTER TABLE models ADD COLUMN forecast_weight DOUBLE PRECISION NOT NULL DEFAULT 0
  CHECK (forecast_weight BETWEEN 0 AND 1);
`,
  },
};
