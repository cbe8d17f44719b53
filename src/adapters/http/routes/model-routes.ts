import { z } from "zod";
import { MAX_MODEL_BYTES } from "../../../model/onnx-model-runtime.js";
import { presentEngineStatus, presentModel } from "../presenters/decision-presenter.js";
import { bodyTooLarge, readBodyAtMost } from "../request-body.js";
import { modelChangeResponse, modelsResponse } from "../responses/decision-responses.js";
import { route } from "../route-definition.js";

/**
 * The model registry for operators (admin token): list, upload (the ONNX file as the raw request body,
 * `content-type: application/octet-stream`; validated before anything is stored), activate, roll back.
 */
export const modelRoutes = [
  route({
    method: "get",
    path: "/api/admin/models",
    response: modelsResponse,
    auth: "admin",
    summary: "Models of the registry, newest first, and whether the model or the rules decide now",
    handle: async ({ services }) => ({
      models: (await services.models.list()).map(presentModel),
      engine: presentEngineStatus(services.models.status()),
    }),
  }),
  route({
    method: "post",
    path: "/api/admin/models",
    response: modelChangeResponse,
    auth: "admin",
    summary:
      "Upload an ONNX model as the raw body (application/octet-stream); it is validated (inputs, outputs, features, a dry run) before it is stored; activate=true makes it active",
    query: z.object({
      activate: z.enum(["true", "false"]).default("false"),
      note: z.string().max(200).optional(),
    }),
    status: 201,
    handle: async ({ query, services, context }) => {
      const bytes = await readBodyAtMost(context.req.raw, MAX_MODEL_BYTES, () =>
        bodyTooLarge(MAX_MODEL_BYTES, `a model file holds at most ${MAX_MODEL_BYTES} bytes`),
      );
      const model = await services.models.upload(bytes, {
        activate: query.activate === "true",
        note: query.note ?? null,
      });
      return { model: presentModel(model), engine: presentEngineStatus(services.models.status()) };
    },
  }),
  route({
    method: "post",
    path: "/api/admin/models/rollback",
    response: modelChangeResponse,
    auth: "admin",
    summary: "Make the model that was active before the current one active again",
    handle: async ({ services }) => ({
      model: presentModel(await services.models.rollback()),
      engine: presentEngineStatus(services.models.status()),
    }),
  }),
  route({
    method: "post",
    path: "/api/admin/models/:modelId/activate",
    response: modelChangeResponse,
    auth: "admin",
    summary: "Load, check and activate a registered model, swapped in without a restart",
    handle: async ({ params, services }) => ({
      model: presentModel(await services.models.activate(params.modelId)),
      engine: presentEngineStatus(services.models.status()),
    }),
  }),
];
