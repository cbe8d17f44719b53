import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors/app-error.js";
import { EventLog } from "../../src/core/events/event-log.js";
import { silentLogger } from "../../src/core/logging/logger.js";
import { FEATURE_COUNT } from "../../src/core/market/price-features.js";
import { ActiveModel } from "../../src/core/models/active-model.js";
import { ModelRegistryService } from "../../src/core/models/model-registry-service.js";
import type { LoadedPriceModel, PriceModelRuntime } from "../../src/core/models/price-model.js";
import { readBundledModel, sampleFeatureRows } from "../../src/model/bundled-model.js";
import { inspectOnnx } from "../../src/model/onnx-inspector.js";
import { OnnxModelRuntime } from "../../src/model/onnx-model-runtime.js";
import { FEATURE_LIST } from "../../src/model/price-model-contract.js";
import { ManualClock } from "../support/manual-clock.js";
import { TEST_STORE } from "../support/test-store.js";
import { openTestDataStore } from "../support/test-store-database.js";

/** A runtime whose verdict the test decides: bytes starting with "ok" load, anything else is refused. */
function fakeRuntime(): PriceModelRuntime & { released: string[] } {
  const released: string[] = [];
  return {
    released,
    load: async (bytes) => {
      const text = Buffer.from(bytes).toString();
      if (!text.startsWith("ok")) throw new AppError("invalid_argument", `refused ${text}`);
      const model: LoadedPriceModel = {
        info: {
          name: "fake",
          version: text,
          features: [],
          horizonHours: 24,
          forecastWeight: 0,
          trainedFrom: "",
          trainedTo: "",
          metrics: {},
        },
        predict: async (rows) => rows.map(() => ({ riseProbability: 0.1, meanRatio: 1 })),
        release: async () => {
          released.push(text);
        },
      };
      return model;
    },
  };
}

describe("model registry", () => {
  let store: Awaited<ReturnType<typeof openTestDataStore>> | undefined;
  afterEach(async () => {
    await store?.dispose();
    store = undefined;
  });
  const bytes = (text: string) => new TextEncoder().encode(text);

  async function registry(runtime: PriceModelRuntime) {
    await store?.dispose();
    store = await openTestDataStore(TEST_STORE);
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const active = new ActiveModel(silentLogger);
    return new ModelRegistryService({
      store,
      clock,
      runtime,
      active,
      events: new EventLog(clock),
      logger: silentLogger,
    });
  }

  it("decides by the rules, and says why, when no valid model is there", async () => {
    const service = await registry(fakeRuntime());
    expect(await service.start(bytes("broken committed model"))).toEqual({
      mode: "rules",
      model: null,
      reason: "no model is registered: the rules decide",
    });
    const withModel = await registry(fakeRuntime());
    expect((await withModel.start(bytes("ok-1"))).mode).toBe("model");
  });

  it("keeps the active model serving when an upload is refused, and nothing is stored", async () => {
    const service = await registry(fakeRuntime());
    await service.start(bytes("ok-1"));
    await expect(service.upload(bytes("garbage"), { activate: true, note: null })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(service.status()).toMatchObject({ mode: "model", model: { version: "ok-1" } });
    expect(await service.list()).toHaveLength(1);
  });

  it("swaps models without a restart and rolls back through the activation stack", async () => {
    const runtime = fakeRuntime();
    const service = await registry(runtime);
    await service.start(bytes("ok-1"));
    const second = await service.upload(bytes("ok-2"), { activate: true, note: null });
    const third = await service.upload(bytes("ok-3"), { activate: true, note: null });
    expect(service.status().model?.id).toBe(third.id);
    expect((await service.rollback()).id).toBe(second.id);
    expect((await service.rollback()).version).toBe("ok-1");
    await expect(service.rollback()).rejects.toMatchObject({ code: "failed_precondition" });
    await service.activate(third.id);
    expect((await service.list()).filter((model) => model.active).map((model) => model.version)).toEqual([
      "ok-3",
    ]);
    // Every model swapped out is released (the validation copies too).
    await service.close();
    expect(runtime.released.filter((version) => version === "ok-3").length).toBeGreaterThanOrEqual(2);
  });
});

describe("ONNX model runtime", () => {
  it("loads the committed model, checks it with a dry run and predicts in batches", async () => {
    const model = await new OnnxModelRuntime(silentLogger).load(readBundledModel());
    // Trained for the engine's 72 h horizon; its validation weeks gave its forecasts no weight.
    expect(model.info).toMatchObject({ name: "spot-price-gbdt", horizonHours: 72, forecastWeight: 0 });
    const rows = sampleFeatureRows().map((row) => Float32Array.from(row));
    const forecasts = await model.predict(rows);
    expect(forecasts).toHaveLength(rows.length);
    for (const forecast of forecasts) {
      expect(forecast.riseProbability).toBeGreaterThanOrEqual(0);
      expect(forecast.riseProbability).toBeLessThanOrEqual(1);
      expect(forecast.meanRatio).toBeGreaterThan(0.5);
      expect(forecast.meanRatio).toBeLessThan(2);
    }
    await model.release();
    const outline = inspectOnnx(readBundledModel());
    expect(outline).toMatchObject({ inputs: ["features"], outputs: ["rise_probability", "mean_ratio"] });
    expect(outline.opTypes).toEqual(["Exp", "Sigmoid", "TreeEnsembleRegressor"]);
    expect(outline.metadata["spot.features"]).toBe(FEATURE_LIST);
    expect(FEATURE_LIST.split(",")).toHaveLength(FEATURE_COUNT);
  });

  it("refuses bytes that are not a model, or a model of other features, before running anything", async () => {
    const runtime = new OnnxModelRuntime(silentLogger);
    await expect(runtime.load(new Uint8Array())).rejects.toThrow(/empty/);
    await expect(runtime.load(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/not an ONNX model/);
    const other = Buffer.from(
      Buffer.from(readBundledModel()).toString("latin1").replace("ondemand_ratio,", "ondemand_price,"),
      "latin1",
    );
    await expect(runtime.load(other)).rejects.toThrow(/must declare the engine's features/);
  });
});
