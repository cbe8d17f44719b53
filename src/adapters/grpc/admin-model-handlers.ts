import type { AdminServiceServer, DecisionEngineStatus, Model } from "../../../gen/spot/v1/admin_service.js";
import type { Authenticator } from "../../core/auth/authenticator.js";
import type { Logger } from "../../core/logging/logger.js";
import type { EngineStatus } from "../../core/models/active-model.js";
import type { ModelRecord } from "../../core/models/model-record.js";
import type { ModelRegistryService } from "../../core/models/model-registry-service.js";
import type { DecodedServer } from "./decoded-server.js";
import { timeToProto } from "./proto-convert.js";
import { adminUnary } from "./unary.js";

export interface ModelHandlerDeps {
  authenticator: Authenticator;
  models: ModelRegistryService;
  logger: Logger;
}

export function modelToProto(model: ModelRecord): Model {
  return {
    id: model.id,
    name: model.name,
    version: model.version,
    sha256: model.sha256,
    sizeBytes: model.sizeBytes,
    active: model.active,
    source: model.source,
    uploadedAt: timeToProto(model.uploadedAt),
    activatedAt: timeToProto(model.activatedAt),
    trainedFrom: model.trainedFrom,
    trainedTo: model.trainedTo,
    metricsJson: JSON.stringify(model.metrics),
    note: model.note ?? "",
    features: model.features,
  };
}

export function engineStatusToProto(status: EngineStatus | null): DecisionEngineStatus | undefined {
  if (!status) return undefined;
  return {
    mode: status.mode,
    modelId: status.model?.id ?? "",
    modelVersion: status.model?.version ?? "",
    reason: status.reason ?? "",
  };
}

/** AdminService's model registry methods: each decodes, calls one registry use case, encodes. */
export function modelHandlers(
  deps: ModelHandlerDeps,
): Pick<DecodedServer<AdminServiceServer>, "listModels" | "uploadModel" | "activateModel" | "rollbackModel"> {
  const admin = <Req, Res>(rpc: string, run: (request: Req) => Res | Promise<Res>) =>
    adminUnary<Req, Res>(deps.authenticator, deps.logger, rpc, run);
  const withEngine = (model: ModelRecord) => ({
    model: modelToProto(model),
    engine: engineStatusToProto(deps.models.status()),
  });
  return {
    listModels: admin("ListModels", async () => ({
      models: (await deps.models.list()).map(modelToProto),
      engine: engineStatusToProto(deps.models.status()),
    })),
    uploadModel: admin("UploadModel", async (request) =>
      withEngine(
        await deps.models.upload(new Uint8Array(request.content), {
          activate: request.activate,
          note: request.note.slice(0, 200) || null,
        }),
      ),
    ),
    activateModel: admin("ActivateModel", async (request) =>
      withEngine(await deps.models.activate(request.modelId)),
    ),
    rollbackModel: admin("RollbackModel", async () => withEngine(await deps.models.rollback())),
  };
}
