import { createHash, randomUUID } from "node:crypto";
import type { Clock } from "../clock/clock.js";
import { failedPrecondition, notFound } from "../errors/app-error.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { Logger } from "../logging/logger.js";
import type { Store } from "../unit-of-work.js";
import type { ActiveModel, EngineStatus } from "./active-model.js";
import type { ModelRecord, ModelRepository } from "./model-record.js";
import type { LoadedPriceModel, PriceModelRuntime } from "./price-model.js";

export interface UploadOptions {
  /** Make it the active model once it passed validation. */
  activate: boolean;
  note: string | null;
}

export interface ModelRegistryServiceDeps {
  store: Store<{ models: ModelRepository } & EventWrites>;
  clock: Clock;
  runtime: PriceModelRuntime;
  active: ActiveModel;
  events: EventLog;
  logger: Logger;
}

/**
 * The model registry: upload (validated before anything is stored), activate, roll back, list. Activation loads
 * and checks the model, then swaps it in without a restart; a model that fails leaves the active one serving.
 * Activations form a stack: rollback returns to the model active before the current one. With no usable model
 * the engine decides by the rules, and /health says so. Registry changes run one at a time.
 */
export class ModelRegistryService {
  private queue: Promise<unknown> = Promise.resolve();

  private readonly models: ModelRepository;
  private readonly active: ActiveModel;

  constructor(private readonly deps: ModelRegistryServiceDeps) {
    this.models = deps.store.models;
    this.active = deps.active;
  }

  status(): EngineStatus {
    return this.active.status();
  }

  list(): Promise<ModelRecord[]> {
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
          const loaded = await this.deps.runtime.load(bundled);
          const record = await this.register(bundled, loaded, "bundled", null);
          const current = await this.models.active();
          if (!current || (current.source === "bundled" && current.id !== record.id)) {
            await this.models.pushActivation(record.id, this.deps.clock.now(), "bundled");
          }
          await loaded.release();
        } catch (error) {
          this.deps.logger.error("the committed model does not load", { error: String(error) });
        }
      }
      const current = await this.models.active();
      if (!current) {
        this.active.degrade("no model is registered: the rules decide");
        return this.active.status();
      }
      try {
        const loaded = await this.loadStored(current.id);
        this.active.swap((await this.models.find(current.id)) as ModelRecord, loaded);
      } catch (error) {
        this.deps.logger.error("the active model does not load; the rules decide", {
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
      const loaded = await this.deps.runtime.load(bytes);
      const record = await this.register(bytes, loaded, "upload", options.note);
      if (!options.activate) {
        await loaded.release();
        return record;
      }
      return this.makeActive(record, loaded, "activate");
    });
  }

  activate(modelId: string): Promise<ModelRecord> {
    return this.serialised(async () => {
      const record = await this.models.find(modelId);
      if (!record) throw notFound("model");
      if (record.active && this.active.record()?.id === record.id) return record;
      return this.makeActive(record, await this.loadStored(record.id), "activate");
    });
  }

  /** Back to the model that was active before the current one. */
  rollback(): Promise<ModelRecord> {
    return this.serialised(async () => {
      const stack = await this.models.activationStack();
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
      const record = (await this.models.find(previous.modelId)) as ModelRecord;
      const loaded = await this.loadStored(record.id);
      const { store, clock, events } = this.deps;
      const now = await store.transaction(async (tx) => {
        await tx.models.popActivations(popped, clock.now());
        await events.record(tx, {
          type: "model_rolled_back",
          severity: "warning",
          message: `Model rolled back to ${record.name} ${record.version}`,
          metadata: { modelId: record.id },
        });
        return (await tx.models.find(record.id)) as ModelRecord;
      });
      this.active.swap(now, loaded);
      return now;
    });
  }

  private async makeActive(
    record: ModelRecord,
    loaded: LoadedPriceModel,
    reason: "activate",
  ): Promise<ModelRecord> {
    const { store, clock, events } = this.deps;
    const now = await store.transaction(async (tx) => {
      await tx.models.pushActivation(record.id, clock.now(), reason);
      await events.record(tx, {
        type: "model_activated",
        severity: "info",
        message: `Model ${record.name} ${record.version} is active`,
        metadata: { modelId: record.id, sha256: record.sha256 },
      });
      return (await tx.models.find(record.id)) as ModelRecord;
    });
    this.active.swap(now, loaded);
    return now;
  }

  private async register(
    bytes: Uint8Array,
    loaded: LoadedPriceModel,
    source: ModelRecord["source"],
    note: string | null,
  ): Promise<ModelRecord> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const known = await this.models.findBySha(sha256);
    if (known) return known;
    const { info } = loaded;
    await this.models.insert(
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
        uploadedAt: this.deps.clock.now(),
      },
      bytes,
    );
    return (await this.models.findBySha(sha256)) as ModelRecord;
  }

  private async loadStored(modelId: string): Promise<LoadedPriceModel> {
    const bytes = await this.models.content(modelId);
    if (!bytes) throw notFound("model");
    return this.deps.runtime.load(bytes);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
