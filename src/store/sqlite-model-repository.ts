import type { ActivationReason, ModelRecord, ModelRepository } from "../core/models/model-record.js";
import type { SqliteDatabase } from "./open-database.js";

interface ModelRow {
  id: string;
  name: string;
  version: string;
  sha256: string;
  size_bytes: number;
  features: string;
  trained_from: string;
  trained_to: string;
  metrics: string;
  forecast_weight: number;
  source: ModelRecord["source"];
  note: string | null;
  uploaded_at: number;
  active_id: string | null;
  activated_at: number | null;
}

// Every column but the bytes, with whether the model is the top of the activation stack and when it last became active.
const SELECT = `
  SELECT m.id, m.name, m.version, m.sha256, m.size_bytes, m.features, m.trained_from, m.trained_to, m.metrics,
    m.forecast_weight, m.source, m.note, m.uploaded_at,
    (SELECT model_id FROM model_activations WHERE rolled_back_at IS NULL ORDER BY id DESC LIMIT 1) AS active_id,
    (SELECT MAX(activated_at) FROM model_activations a WHERE a.model_id = m.id) AS activated_at
  FROM models m`;

const toRecord = (row: ModelRow): ModelRecord => ({
  id: row.id,
  name: row.name,
  version: row.version,
  sha256: row.sha256,
  sizeBytes: row.size_bytes,
  features: JSON.parse(row.features) as string[],
  trainedFrom: row.trained_from,
  trainedTo: row.trained_to,
  metrics: JSON.parse(row.metrics) as Record<string, unknown>,
  forecastWeight: row.forecast_weight,
  source: row.source,
  note: row.note,
  uploadedAt: row.uploaded_at,
  active: row.active_id === row.id,
  activatedAt: row.activated_at,
});

export function createModelRepository(db: SqliteDatabase): ModelRepository {
  const insert = db.prepare(`
    INSERT INTO models (id, name, version, sha256, size_bytes, content, features, trained_from, trained_to, metrics,
      forecast_weight, source, note, uploaded_at)
    VALUES (@id, @name, @version, @sha256, @sizeBytes, @content, @features, @trainedFrom, @trainedTo, @metrics,
      @forecastWeight, @source, @note, @uploadedAt)`);
  const find = db.prepare<[string], ModelRow>(`${SELECT} WHERE m.id = ?`);
  const findBySha = db.prepare<[string], ModelRow>(`${SELECT} WHERE m.sha256 = ?`);
  const content = db.prepare<[string], { content: Buffer }>("SELECT content FROM models WHERE id = ?");
  const list = db.prepare<[], ModelRow>(`${SELECT} ORDER BY m.uploaded_at DESC, m.rowid DESC`);
  const stack = db.prepare<[], { id: number; model_id: string }>(
    "SELECT id, model_id FROM model_activations WHERE rolled_back_at IS NULL ORDER BY id DESC",
  );
  const push = db.prepare("INSERT INTO model_activations (model_id, reason, activated_at) VALUES (?, ?, ?)");
  const pop = db.prepare("UPDATE model_activations SET rolled_back_at = ? WHERE id = ?");
  const activeId = db.prepare<[], { model_id: string }>(
    "SELECT model_id FROM model_activations WHERE rolled_back_at IS NULL ORDER BY id DESC LIMIT 1",
  );

  return {
    insert: (record, bytes) => {
      insert.run({
        ...record,
        content: Buffer.from(bytes),
        features: JSON.stringify(record.features),
        metrics: JSON.stringify(record.metrics),
      });
    },
    find: (id) => {
      const row = find.get(id);
      return row && toRecord(row);
    },
    findBySha: (sha256) => {
      const row = findBySha.get(sha256);
      return row && toRecord(row);
    },
    content: (id) => {
      const row = content.get(id);
      return row && new Uint8Array(row.content);
    },
    list: () => list.all().map(toRecord),
    active: () => {
      const id = activeId.get()?.model_id;
      const row = id ? find.get(id) : undefined;
      return row && toRecord(row);
    },
    activationStack: () => stack.all().map((row) => ({ activationId: row.id, modelId: row.model_id })),
    pushActivation: (modelId, at, reason: ActivationReason) => {
      push.run(modelId, reason, at);
    },
    popActivations: (ids, at) => {
      db.transaction(() => {
        for (const id of ids) pop.run(at, id);
      })();
    },
  };
}
