import { createHash, randomUUID } from "node:crypto";
import type { Clock } from "../clock/clock.js";
import { failedPrecondition, notFound } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import type { Logger } from "../logging/logger.js";
import type { ActiveModel, EngineStatus } from "./active-model.js";
import type { ModelRecord, ModelRepository } from "./model-record.js";
import type { LoadedPriceModel, PriceModelRuntime } from "./price-model.js";

export interface UploadOptions {
  /** Make it the active model once it passed validation. */
  activate: boolean;
  note: string | null;
}

/**
 * The model registry: upload (validated before anything is stored), activate, roll back, list. Activation loads
 * and checks the model, then swaps it in without a restart; a model that fails leaves the active one serving.
 * Activations form a stack: rollback returns to the model active before the current one. With no usable model
 * the engine decides by the rules, and /health says so. Registry changes run one at a time.
 */
export class ModelRegistryService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly models: ModelRepository,
    private readonly clock: Clock,
    private readonly runtime: PriceModelRuntime,
    private readonly active: ActiveModel,
    private readonly events: EventLog,
    private readonly logger: Logger,
  ) {}

  status(): EngineStatus {
    return this.active.status();
  }

  list(): ModelRecord[] {
    return this.models.list();
  }

  /** Releases the model in service (at shutdown). */
  close(): Promise<void> {
    return this.serialised(() => this.active.close());
  }

  /**
   * At start: registers the committed model when it is new, activates it when nothing else is active (or when
   * the active model is an older committed one: committed models follow releases, uploaded ones stay), then
   * loads the active model. A model that cannot be loaded leaves the engine on its rules.
   */
  start(bundled: Uint8Array | null): Promise<EngineStatus> {
    return this.serialised(async () => {
      if (bundled) {
        try {
          const loaded = await this.runtime.load(bundled);
          const record = this.register(bundled, loaded, "bundled", null);
          const current = this.models.active();
          if (!current || (current.source === "bundled" && current.id !== record.id)) {
            this.models.pushActivation(record.id, this.clock.now(), "bundled");
          }
          await loaded.release();
        } catch (error) {
          this.logger.error("the committed model does not load", { error: String(error) });
        }
      }
      const current = this.models.active();
      if (!current) {
        this.active.degrade("no model is registered: the rules decide");
        return this.active.status();
      }
      try {
        this.active.swap(this.models.find(current.id) as ModelRecord, await this.loadStored(current.id));
      } catch (error) {
        this.logger.error("the active model does not load; the rules decide", {
          modelId: current.id,
          error: String(error),
        });
        this.active.degrade(
          `the active model ${current.name} ${current.version} failed to load: the rules decide`,
        );
      }
      return this.active.status();
    });
  }

  /** Validates the bytes (refused with invalid_argument, nothing stored, when they fail), stores them, maybe activates. */
  upload(bytes: Uint8Array, options: UploadOptions): Promise<ModelRecord> {
    return this.serialised(async () => {
      // A model that fails validation is refused with the reason, and nothing is stored.
      const loaded = await this.runtime.load(bytes);
      const record = this.register(bytes, loaded, "upload", options.note);
      if (!options.activate) {
        await loaded.release();
        return record;
      }
      return this.makeActive(record, loaded, "activate");
    });
  }

  activate(modelId: string): Promise<ModelRecord> {
    return this.serialised(async () => {
      const record = this.models.find(modelId);
      if (!record) throw notFound("model");
      if (record.active && this.active.record()?.id === record.id) return record;
      return this.makeActive(record, await this.loadStored(record.id), "activate");
    });
  }

  /** Back to the model that was active before the current one. */
  rollback(): Promise<ModelRecord> {
    return this.serialised(async () => {
      const stack = this.models.activationStack();
      const top = stack[0];
      if (!top) throw failedPrecondition("no model is active, so there is nothing to roll back");
      const popped = [top.activationId];
      let previous: (typeof stack)[number] | undefined;
      for (const entry of stack.slice(1)) {
        if (entry.modelId !== top.modelId) {
          previous = entry;
          break;
        }
        popped.push(entry.activationId);
      }
      if (!previous) throw failedPrecondition("there is no previous model to roll back to");
      const record = this.models.find(previous.modelId) as ModelRecord;
      const loaded = await this.loadStored(record.id);
      this.models.popActivations(popped, this.clock.now());
      const now = this.models.find(record.id) as ModelRecord;
      this.active.swap(now, loaded);
      this.events.record({
        type: "model_rolled_back",
        severity: "warning",
        message: `Model rolled back to ${record.name} ${record.version}`,
        metadata: { modelId: record.id },
      });
      return now;
    });
  }

  private makeActive(record: ModelRecord, loaded: LoadedPriceModel, reason: "activate"): ModelRecord {
    this.models.pushActivation(record.id, this.clock.now(), reason);
    const now = this.models.find(record.id) as ModelRecord;
    this.active.swap(now, loaded);
    this.events.record({
      type: "model_activated",
      severity: "info",
      message: `Model ${record.name} ${record.version} is active`,
      metadata: { modelId: record.id, sha256: record.sha256 },
    });
    return now;
  }

  private register(
    bytes: Uint8Array,
    loaded: LoadedPriceModel,
    source: ModelRecord["source"],
    note: string | null,
  ): ModelRecord {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const known = this.models.findBySha(sha256);
    if (known) return known;
    const { info } = loaded;
    this.models.insert(
      {
        id: randomUUID(),
        name: info.name,
        version: info.version,
        sha256,
        sizeBytes: bytes.length,
        features: info.features,
        trainedFrom: info.trainedFrom,
        trainedTo: info.trainedTo,
        metrics: info.metrics,
        forecastWeight: info.forecastWeight,
        source,
        note,
        uploadedAt: this.clock.now(),
      },
      bytes,
    );
    return this.models.findBySha(sha256) as ModelRecord;
  }

  private async loadStored(modelId: string): Promise<LoadedPriceModel> {
    const bytes = this.models.content(modelId);
    if (!bytes) throw notFound("model");
    return this.runtime.load(bytes);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
