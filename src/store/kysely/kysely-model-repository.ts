import type { ModelRecord, ModelRepository } from "../../core/models/model-record.js";
import type { StoreBinding } from "./store-binding.js";

/** The model registry (model files and the activation history), written once for SQLite and PostgreSQL. */
export function createKyselyModelRepository({ db }: StoreBinding): ModelRepository {
  const activeId = () =>
    db
      .selectFrom("model_activations")
      .select("model_id")
      .where("rolled_back_at", "is", null)
      .orderBy("id", "desc")
      .limit(1);
  // Every column but the bytes, with the top of the activation stack and when the model last became active.
  const models = () =>
    db
      .selectFrom("models as m")
      .select([
        "m.id",
        "m.name",
        "m.version",
        "m.sha256",
        "m.size_bytes",
        "m.features",
        "m.trained_from",
        "m.trained_to",
        "m.metrics",
        "m.forecast_weight",
        "m.source",
        "m.note",
        "m.uploaded_at",
      ])
      .select((eb) => [
        activeId().as("active_id"),
        eb
          .selectFrom("model_activations as a")
          .select((sub) => sub.fn.max("a.activated_at").as("at"))
          .whereRef("a.model_id", "=", "m.id")
          .as("activated_at"),
      ]);
  type ModelRow = Awaited<ReturnType<ReturnType<typeof models>["execute"]>>[number];
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
    activatedAt: row.activated_at ?? null,
  });
  const one = async (query: ReturnType<typeof models>) => {
    const row = await query.executeTakeFirst();
    return row && toRecord(row);
  };

  return {
    insert: async (record, bytes) => {
      await db
        .insertInto("models")
        .values({
          id: record.id,
          name: record.name,
          version: record.version,
          sha256: record.sha256,
          size_bytes: record.sizeBytes,
          content: Buffer.from(bytes),
          features: JSON.stringify(record.features),
          trained_from: record.trainedFrom,
          trained_to: record.trainedTo,
          metrics: JSON.stringify(record.metrics),
          forecast_weight: record.forecastWeight,
          source: record.source,
          note: record.note,
          uploaded_at: record.uploadedAt,
        })
        .execute();
    },
    find: (id) => one(models().where("m.id", "=", id)),
    findBySha: (sha256) => one(models().where("m.sha256", "=", sha256)),
    content: async (id) => {
      const row = await db.selectFrom("models").select("content").where("id", "=", id).executeTakeFirst();
      return row && new Uint8Array(row.content);
    },
    list: async () =>
      (await models().orderBy("m.uploaded_at", "desc").orderBy("m.rowid", "desc").execute()).map(toRecord),
    active: () => one(models().where("m.id", "=", activeId())),
    activationStack: async () =>
      (
        await db
          .selectFrom("model_activations")
          .select(["id", "model_id"])
          .where("rolled_back_at", "is", null)
          .orderBy("id", "desc")
          .execute()
      ).map((row) => ({ activationId: row.id, modelId: row.model_id })),
    pushActivation: async (modelId, at, reason) => {
      await db
        .insertInto("model_activations")
        .values({ model_id: modelId, reason, activated_at: at })
        .execute();
    },
    popActivations: async (ids, at) => {
      // One statement: all of them leave the stack, or none.
      if (ids.length === 0) return;
      await db
        .updateTable("model_activations")
        .set({ rolled_back_at: at })
        .where("id", "in", [...ids])
        .execute();
    },
  };
}
