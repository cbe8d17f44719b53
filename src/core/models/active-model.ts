import type { Logger } from "../logging/logger.js";
import type { ModelRecord } from "./model-record.js";
import type { LoadedPriceModel } from "./price-model.js";

/** What decides right now: the model (with its record) or the rules, and why. */
export interface EngineStatus {
  mode: "model" | "rules";
  model: {
    id: string;
    name: string;
    version: string;
    activatedAt: number | null;
    /** 0: the engine decides on current prices; the model is loaded but its forecasts weigh nothing. */
    forecastWeight: number;
  } | null;
  /** Why the rules decide (no model, a model that failed to load); null when the model does. */
  reason: string | null;
}

interface Slot {
  record: ModelRecord;
  model: LoadedPriceModel;
  inFlight: number;
  retired: boolean;
}

/**
 * The model in service, swapped without a restart: a new model is loaded and checked first, then replaces the
 * reference in one step; the old one is released once the predictions running on it are done.
 */
export class ActiveModel {
  private slot: Slot | null = null;
  private degradedReason = "no model loaded yet";

  constructor(private readonly logger: Logger) {}

  status(): EngineStatus {
    const slot = this.slot;
    if (!slot) return { mode: "rules", model: null, reason: this.degradedReason };
    const { id, name, version, activatedAt } = slot.record;
    return {
      mode: "model",
      model: { id, name, version, activatedAt, forecastWeight: slot.record.forecastWeight },
      reason: null,
    };
  }

  record(): ModelRecord | null {
    return this.slot?.record ?? null;
  }

  swap(record: ModelRecord, model: LoadedPriceModel): void {
    const previous = this.slot;
    this.slot = { record, model, inFlight: 0, retired: false };
    if (previous) this.retire(previous);
  }

  /** No usable model: the engine decides by the rules and says why. */
  degrade(reason: string): void {
    const previous = this.slot;
    this.slot = null;
    this.degradedReason = reason;
    if (previous) this.retire(previous);
  }

  /** Runs `work` on the current model (null when there is none); the model is not released under it. */
  async use<T>(work: (model: LoadedPriceModel, record: ModelRecord) => Promise<T>): Promise<T | null> {
    const slot = this.slot;
    if (!slot) return null;
    slot.inFlight++;
    try {
      return await work(slot.model, slot.record);
    } finally {
      slot.inFlight--;
      if (slot.retired && slot.inFlight === 0) this.release(slot);
    }
  }

  async close(): Promise<void> {
    const slot = this.slot;
    this.slot = null;
    if (slot) this.retire(slot);
  }

  private retire(slot: Slot): void {
    slot.retired = true;
    if (slot.inFlight === 0) this.release(slot);
  }

  private release(slot: Slot): void {
    slot.model
      .release()
      .catch((error: unknown) => this.logger.warn("releasing a model failed", { error: String(error) }));
  }
}
