/** A model in the registry (its bytes are stored beside it). */
export interface ModelRecord {
  id: string;
  name: string;
  version: string;
  sha256: string;
  sizeBytes: number;
  features: string[];
  trainedFrom: string;
  trainedTo: string;
  /** Held-out quality as the model's metadata states it. */
  metrics: Record<string, unknown>;
  /** How much the engine's expected prices take of its forecasts, 0..1, as its training chose on validation weeks. */
  forecastWeight: number;
  /** "bundled": the model committed with the code; "upload": an admin's. */
  source: "bundled" | "upload";
  note: string | null;
  uploadedAt: number;
  active: boolean;
  /** The last time it became active. */
  activatedAt: number | null;
}

export type ActivationReason = "bundled" | "activate" | "rollback";

export interface ModelRepository {
  insert(record: Omit<ModelRecord, "active" | "activatedAt">, bytes: Uint8Array): void;
  find(id: string): ModelRecord | undefined;
  findBySha(sha256: string): ModelRecord | undefined;
  content(id: string): Uint8Array | undefined;
  /** Newest upload first. */
  list(): ModelRecord[];
  active(): ModelRecord | undefined;
  /** Activations not rolled back, newest first: the top one is the active model. */
  activationStack(): Array<{ activationId: number; modelId: string }>;
  pushActivation(modelId: string, at: number, reason: ActivationReason): void;
  /** Marks activations rolled back (they leave the stack). */
  popActivations(activationIds: readonly number[], at: number): void;
}
