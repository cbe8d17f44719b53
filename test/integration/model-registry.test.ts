import { request as httpRequest } from "node:http";
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ActivateModelResponse,
  AdminServiceClient,
  type ListModelsResponse,
  type UploadModelResponse,
} from "../../gen/spot/v1/admin_service.js";
import { alternativeModel } from "../support/alternative-model.js";
import { createClient } from "../support/fixtures.js";
import { bearer, call } from "../support/grpc-clients.js";
import { ManualClock } from "../support/manual-clock.js";
import { rest } from "../support/rest.js";
import { reportPrices } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("model registry", () => {
  const clock = new ManualClock(Date.UTC(2025, 6, 1, 12));
  let server: TestApp;
  let admin: AdminServiceClient;
  const asAdmin = (method: string, path: string, options: { body?: unknown; raw?: Uint8Array } = {}) =>
    options.raw
      ? fetch(`${server.httpUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${server.adminToken}`,
            "content-type": "application/octet-stream",
          },
          body: options.raw,
        }).then(async (response) => ({ status: response.status, body: await response.json() }))
      : rest(server.httpUrl, method, path, { token: server.adminToken, body: options.body });
  const engine = async () => (await rest(server.httpUrl, "GET", "/health")).body.decisionEngine;

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    admin = new AdminServiceClient(server.grpcAddress, credentials.createInsecure());
  });
  afterAll(async () => {
    admin.close();
    await server.dispose();
  });

  it("starts with the committed model active, and says so in /health", async () => {
    const listed = await asAdmin("GET", "/api/admin/models");
    expect(listed.body.models).toEqual([
      expect.objectContaining({ name: "spot-price-gbdt", source: "bundled", active: true }),
    ]);
    expect(await engine()).toMatchObject({
      mode: "model",
      model: { name: "spot-price-gbdt", forecastWeight: 0 },
      reason: null,
    });
    // Its validation weeks gave its forecasts no weight, and the health card does not call the choice a model's.
    const health = await asAdmin("GET", "/api/admin/system-health");
    expect(health.body.decisionEngine).toMatch(
      /^expected cost at current prices \(model spot-price-gbdt \S+ is loaded; its forecasts weigh nothing\)$/,
    );
  });

  it("refuses an invalid model and keeps the active one serving", async () => {
    const before = await engine();
    const garbage = await asAdmin("POST", "/api/admin/models?activate=true", {
      raw: new TextEncoder().encode("not a model"),
    });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/not an ONNX model/),
    });

    // Declared over 64 MiB: refused with 413 before a byte of it is read.
    const declaredTooLarge = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${server.httpUrl}/api/admin/models`);
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: {
            authorization: `Bearer ${server.adminToken}`,
            "content-type": "application/octet-stream",
            "content-length": String(64 * 1024 * 1024 + 1),
          },
        },
        (response) => {
          let body = "";
          response.on("data", (chunk) => {
            body += chunk;
          });
          response.on("end", () => {
            resolve({ status: response.statusCode ?? 0, body });
            request.destroy();
          });
        },
      );
      request.on("error", reject);
      request.flushHeaders();
    });
    expect(declaredTooLarge.status).toBe(413);
    expect(JSON.parse(declaredTooLarge.body).error).toEqual({
      code: "payload_too_large",
      message: `a model file holds at most ${64 * 1024 * 1024} bytes`,
      limitBytes: 64 * 1024 * 1024,
    });

    const wrongFeatures = alternativeModel("9.9.9", "price_now_ratio");
    const refused = await asAdmin("POST", "/api/admin/models?activate=true", { raw: wrongFeatures });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/must declare the engine's features/);

    await expect(
      call((done) =>
        admin.uploadModel(
          { content: Buffer.from([8, 1, 58, 0]), activate: true, note: "" },
          bearer(server.adminToken),
          done,
        ),
      ),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });

    expect(await engine()).toEqual(before);
    expect((await asAdmin("GET", "/api/admin/models")).body.models).toHaveLength(1);

    // Decisions still come from the committed model.
    const { token } = await createClient(server.grpcAddress, server.adminToken, "Model users");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("registry-1"));
    clock.advance(3 * 3_600_000);
    reportPrices(agent);
    await agent.next("receipt");
    const decided = await rest(server.httpUrl, "POST", `/api/agents/${welcome.agentId}/decide`, {
      token,
      body: {},
    });
    expect(decided.body).toMatchObject({ policy: "model", model_version: null });
    agent.close();
  });

  it("activates an uploaded model without a restart, and rollback restores the previous one", async () => {
    const bundled = (await engine()).model;
    const uploaded = await asAdmin("POST", "/api/admin/models?activate=true&note=candidate", {
      raw: alternativeModel("2.0.0"),
    });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({
      model: { name: "test-model", version: "2.0.0", active: true, source: "upload", note: "candidate" },
      engine: { mode: "model", model: { version: "2.0.0" } },
    });
    expect(await engine()).toMatchObject({ mode: "model", model: { version: "2.0.0" } });

    // A third one over gRPC, stored but not activated.
    const third = await call<UploadModelResponse>((done) =>
      admin.uploadModel(
        { content: Buffer.from(alternativeModel("3.0.0")), activate: false, note: "" },
        bearer(server.adminToken),
        done,
      ),
    );
    expect(third.model?.active).toBe(false);

    const rolledBack = await asAdmin("POST", "/api/admin/models/rollback");
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body.model).toMatchObject({ id: bundled.id, active: true });
    expect(await engine()).toMatchObject({
      mode: "model",
      model: { id: bundled.id, version: bundled.version },
    });

    // Nothing before the committed model.
    const nothing = await asAdmin("POST", "/api/admin/models/rollback");
    expect(nothing.status).toBe(409);

    const activated = await call<ActivateModelResponse>((done) =>
      admin.activateModel({ modelId: third.model?.id ?? "" }, bearer(server.adminToken), done),
    );
    expect(activated.model).toMatchObject({ version: "3.0.0", active: true });
    const listed = await call<ListModelsResponse>((done) =>
      admin.listModels({}, bearer(server.adminToken), done),
    );
    expect(listed.models.map((model) => [model.version, model.active])).toEqual([
      ["3.0.0", true],
      ["2.0.0", false],
      [bundled.version, false],
    ]);
    expect(listed.engine).toMatchObject({ mode: "model", modelVersion: "3.0.0", reason: "" });
    await call((done) => admin.rollbackModel({}, bearer(server.adminToken), done));
    expect(await engine()).toMatchObject({ model: { id: bundled.id } });
    expect((await asAdmin("POST", "/api/admin/models/no-such-model/activate")).status).toBe(404);
  });

  it("lists each model's forecast weight and validation and held-out figures next to the active one", async () => {
    const bundled = (await engine()).model;
    const figures = (from: string, to: string, regret: Record<string, number>) => ({
      from,
      to,
      auc: 0.9,
      greedyRegretUsd: 0.5,
      regretUsdByWeight: regret,
    });
    const candidate = alternativeModel("4.0.0", undefined, {
      forecastWeight: 0.5,
      metrics: {
        validation: figures("2021-04-01", "2021-04-15", { "0": 0.3, "0.5": 0.1, "1": 0.2 }),
        heldOut: figures("2021-04-16", "2021-04-30", { "0": 0.4, "0.5": 0.25, "1": 0.5 }),
      },
    });
    const uploaded = await asAdmin("POST", "/api/admin/models?activate=false", { raw: candidate });
    expect(uploaded.status).toBe(201);
    const listed = await asAdmin("GET", "/api/admin/models");
    const byVersion = Object.fromEntries(
      listed.body.models.map((model: { version: string }) => [model.version, model]),
    );
    // Before anyone activates it, the candidate's figures stand next to the active model's own.
    expect(byVersion["4.0.0"]).toMatchObject({
      active: false,
      forecastWeight: 0.5,
      validation:
        "2021-04-01..2021-04-15: forecast gain $0.20 at weight 0.5, $0.10 at weight 1; regret against hindsight $0.30 without forecasts (greedy $0.50); rise AUC 0.900",
      heldOut: expect.stringMatching(
        /^2021-04-16\.\.2021-04-30: forecast gain \$0\.15 at weight 0\.5, -\$0\.10 at weight 1;/,
      ),
    });
    expect(byVersion[bundled.version]).toMatchObject({
      active: true,
      forecastWeight: 0,
      validation: expect.stringMatching(
        /^2021-04-01\.\.2021-04-15: forecast gain -\$\d+\.\d\d at weight 0\.5, -\$\d+\.\d\d at weight 1; regret against hindsight/,
      ),
      heldOut: expect.stringMatching(/^2021-04-16\.\.2021-04-30: forecast gain /),
    });
    // The first columns, those the dashboard's table shows, are the ones that tell the models apart.
    expect(Object.keys(byVersion["4.0.0"]).slice(0, 5)).toEqual([
      "version",
      "active",
      "forecastWeight",
      "validation",
      "heldOut",
    ]);

    // Activated, its forecasts weigh in: decisions name it, and alternatives show its rise probabilities.
    const activated = await asAdmin("POST", `/api/admin/models/${byVersion["4.0.0"].id}/activate`);
    expect(activated.body.engine).toMatchObject({ model: { version: "4.0.0", forecastWeight: 0.5 } });
    const health = await asAdmin("GET", "/api/admin/system-health");
    expect(health.body.decisionEngine).toBe("model test-model 4.0.0 (forecast weight 0.5)");
    const { token } = await createClient(server.grpcAddress, server.adminToken, "Weighted model users");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("weighted-1"));
    clock.advance(3 * 3_600_000);
    reportPrices(agent);
    await agent.next("receipt");
    const decided = await rest(server.httpUrl, "POST", `/api/agents/${welcome.agentId}/decide`, {
      token,
      body: {},
    });
    expect(decided.body).toMatchObject({ policy: "model", model_version: "test-model 4.0.0" });
    const recommended = await rest(
      server.httpUrl,
      "GET",
      `/api/agents/${welcome.agentId}/switch-recommendation`,
      { token },
    );
    const spot = recommended.body.alternative_pools.filter((pool: { id: string }) => pool.id !== "ondemand");
    expect(spot.length).toBeGreaterThan(0);
    for (const pool of spot) expect(pool.rise_probability).toEqual(expect.any(Number));
    agent.close();
    await asAdmin("POST", "/api/admin/models/rollback");
    expect(await engine()).toMatchObject({ model: { id: bundled.id, forecastWeight: 0 } });

    // A model that states a weight out of range is refused.
    const refused = await asAdmin("POST", "/api/admin/models", {
      raw: alternativeModel("5.0.0", undefined, { forecastWeight: 2 }),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/spot\.forecast_weight must be a number from 0 to 1/);
  });

  it("turns on the dashboard's model registry and decisions sections", async () => {
    const adminPage = await fetch(`${server.httpUrl}/dashboard/admin`);
    expect(await adminPage.text()).toContain('data-source="/api/admin/models"');
    const agentPage = await fetch(`${server.httpUrl}/dashboard/agents/some-agent`);
    expect(await agentPage.text()).toContain('data-source="/api/client/:clientId/agents/decisions"');
  });
});
