import { status } from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewSystemEvent } from "../../src/core/events/system-event.js";
import { verifySignature } from "../../src/core/webhooks/webhook-signature.js";
import { createClient } from "../support/fixtures.js";
import { ManualClock } from "../support/manual-clock.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { TEST_STORE } from "../support/test-store.js";
import { WebhookReceiver as Receiver } from "../support/webhook-receiver.js";

/**
 * Alerts out, end to end: webhooks created over REST, events written by the real core (an agent going offline)
 * or appended to the activity log as the core appends them, deliveries sent by the app's own loop round
 * (`runOnce`, what its timer runs) to a real HTTP receiver, with the clock moved by the test for the backoff.
 */
/** Pages of two: the fan-out pages past pairs of an event and a webhook that does not take it. */
const SMALL_PAGES = { batchSize: 2 };
/** The receiver listens on 127.0.0.1, a private target: the operator allows those (see webhook-targets.test). */
const ON_PREMISE = { webhookAllowPrivate: true };

describe("webhooks", () => {
  const clock = new ManualClock();
  const receiver = new Receiver();
  let server: TestApp;
  let tokenA: string;
  let clientA: string;
  let tokenB: string;
  let clientB: string;
  const hooks: Record<string, { id: string; secret: string }> = {};

  const api = (method: string, path: string, token: string | undefined, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });
  const createHook = async (name: string, token: string, body: Record<string, unknown>, admin = false) => {
    const answer = await api("POST", admin ? "/api/admin/webhooks" : "/api/webhooks", token, {
      url: `${receiver.url}/${name}`,
      ...body,
    });
    expect(answer.status).toBe(201);
    hooks[name] = { id: answer.body.webhook.id, secret: answer.body.webhook.secret };
  };
  const record = (event: NewSystemEvent, at = clock.now()) => server.app.store.events.insert(event, at);
  const round = () => server.app.services.webhookDelivery.runOnce();
  const bodiesTo = (path: string) => receiver.to(path).map((request) => JSON.parse(request.body));

  beforeAll(async () => {
    await receiver.start();
    server = await startTestApp({
      clock,
      jobDriver: "off",
      webhookDispatch: SMALL_PAGES,
      settings: ON_PREMISE,
    });
    ({ token: tokenA, clientId: clientA } = await createClient(
      server.grpcAddress,
      server.adminToken,
      "Acme",
    ));
    ({ token: tokenB, clientId: clientB } = await createClient(
      server.grpcAddress,
      server.adminToken,
      "Bolt",
    ));
    await createHook("a-json", tokenA, {});
    await createHook("a-slack", tokenA, { format: "slack", events: ["failover"] });
    await createHook("b-json", tokenB, {});
    await createHook("ops", server.adminToken, { events: ["job_failed", "agent_offline"] }, true);
  });
  afterAll(async () => {
    await server?.dispose();
    await receiver.stop();
  });

  it("refuses a bad URL, format or event with a clear 400, and shows the secret only once", async () => {
    for (const url of [
      "ftp://example.com/hook",
      "not a url",
      "javascript:alert(1)",
      "",
      "http://u:p@x.test/",
    ]) {
      const answer = await api("POST", "/api/webhooks", tokenA, { url });
      expect(answer.status, url).toBe(400);
      expect(answer.body.error.message ?? answer.body.message ?? JSON.stringify(answer.body)).toMatch(/url/);
    }
    expect((await api("POST", "/api/webhooks", tokenA, {})).status).toBe(400);
    const format = await api("POST", "/api/webhooks", tokenA, { url: `${receiver.url}/x`, format: "xml" });
    expect(format.status).toBe(400);
    // A client's webhook cannot take job failures: jobs serve every client, so they go to operator webhooks.
    const jobs = await api("POST", "/api/webhooks", tokenA, {
      url: `${receiver.url}/x`,
      events: ["job_failed"],
    });
    expect(jobs.status).toBe(400);

    expect(hooks["a-json"]?.secret).toMatch(/^whsec_/);
    const listed = await api("GET", "/api/webhooks", tokenA);
    expect(listed.status).toBe(200);
    expect(listed.body.map((hook: { id: string }) => hook.id).sort()).toEqual(
      [hooks["a-json"]?.id, hooks["a-slack"]?.id].sort(),
    );
    expect(JSON.stringify(listed.body)).not.toContain(hooks["a-json"]?.secret);
    const full = listed.body.find((hook: { id: string }) => hook.id === hooks["a-json"]?.id);
    expect(full.events).toEqual(["failover", "interruption_notice", "agent_offline", "command_failed"]);
  });

  it("sends one signed delivery per event to the client's webhooks only, after an agent goes offline", async () => {
    const { agent, welcome } = await TestAgent.connect(
      server.grpcAddress,
      tokenA,
      helloFor("hook-offline-1"),
    );
    const before = receiver.requests.length;
    for (const step of [100_000, 25_000, 60_000]) {
      clock.advance(step);
      await server.app.jobs.runNow("health-monitor");
    }
    const end = await agent.ended();
    expect(end !== "ok" && end.code).toBe(status.UNAVAILABLE);
    // Two rounds: the second finds nothing new to queue or send.
    await round();
    await round();

    const toA = receiver.to("/a-json");
    expect(toA).toHaveLength(1);
    const [delivery] = toA;
    const body = JSON.parse(delivery?.body ?? "{}");
    expect(body).toMatchObject({ event: "agent_offline", type: "agent_offline", clientId: clientA });
    expect(body.agentId).toBe(welcome.agentId);
    expect(delivery?.headers["x-spot-event"]).toBe("agent_offline");
    const signature = String(delivery?.headers["x-spot-signature"]);
    expect(verifySignature(hooks["a-json"]?.secret ?? "", delivery?.body ?? "", signature, clock.now())).toBe(
      true,
    );
    expect(verifySignature(hooks["b-json"]?.secret ?? "", delivery?.body ?? "", signature, clock.now())).toBe(
      false,
    );
    expect(verifySignature(hooks["a-json"]?.secret ?? "", `${delivery?.body} `, signature, clock.now())).toBe(
      false,
    );
    // The Slack webhook takes failovers only; the other client hears nothing; the operator's hears it too.
    expect(receiver.to("/a-slack")).toHaveLength(0);
    expect(receiver.to("/b-json")).toHaveLength(0);
    expect(bodiesTo("/ops").filter((sent) => sent.agentId === welcome.agentId)).toHaveLength(1);
    expect(receiver.requests.length - before).toBe(2);
  });

  it("maps each alert's events, formats Slack bodies, and sends job failures to operator webhooks only", async () => {
    receiver.requests.length = 0;
    const agentless = { clientId: clientA, agentId: null, instanceId: "i-0abc" };
    await record({ type: "replica_promoted", severity: "info", message: "Replica promoted", ...agentless });
    await record({
      type: "termination_notice",
      severity: "warning",
      message: "Termination notice",
      ...agentless,
    });
    await record({ type: "command_failed", severity: "warning", message: "Command failed: x", ...agentless });
    await record({ type: "switch_completed", severity: "info", message: "not an alert", ...agentless });
    await record({ type: "emergency", severity: "error", message: "Emergency", clientId: clientB });
    await record({
      type: "job_failed",
      severity: "error",
      message: "Background job x failed",
      metadata: { job: "x" },
    });
    await round();
    await round();

    expect(bodiesTo("/a-json").map((sent) => [sent.event, sent.type])).toEqual([
      ["failover", "replica_promoted"],
      ["interruption_notice", "termination_notice"],
      ["command_failed", "command_failed"],
    ]);
    const slack = bodiesTo("/a-slack");
    expect(slack).toHaveLength(1);
    expect(slack[0].text).toContain("*Failover*");
    expect(slack[0].text).toContain("Replica promoted");
    expect(slack[0].blocks[0].type).toBe("section");
    expect(bodiesTo("/b-json").map((sent) => sent.type)).toEqual(["emergency"]);
    expect(bodiesTo("/ops").map((sent) => sent.event)).toEqual(["job_failed"]);
  });

  it("delivers an event whose transaction commits long after its event time: the scan goes by id", async () => {
    receiver.requests.length = 0;
    await round();
    const eventTime = clock.now();
    clock.advance(120_000);
    await round(); // a scan two minutes after the event's time, before its transaction commits
    await record(
      { type: "command_failed", severity: "warning", message: "late", clientId: clientA },
      eventTime,
    );
    await round();
    expect(bodiesTo("/a-json").map((sent) => [sent.message, sent.occurredAt])).toEqual([
      ["late", new Date(eventTime).toISOString()],
    ]);
  });

  it.runIf(TEST_STORE === "postgres")(
    "waits at an id whose transaction is still open while later ids commit, and delivers both",
    async () => {
      receiver.requests.length = 0;
      await round();
      const open = new pg.Client({ connectionString: server.databaseUrl ?? "" });
      await open.connect();
      try {
        await open.query("BEGIN");
        // This transaction takes its id first and commits last.
        const { rows } = await open.query<{ id: string }>(
          `INSERT INTO system_events (type, severity, client_id, message, created_at)
           VALUES ('command_failed', 'warning', $1, 'first id, committed last', $2) RETURNING id`,
          [clientA, clock.now()],
        );
        await record({
          type: "command_failed",
          severity: "warning",
          message: "second id",
          clientId: clientA,
        });
        await round();
        expect(bodiesTo("/a-json").map((sent) => sent.message)).toEqual(["second id"]);
        // Open for two minutes, scanned meanwhile.
        clock.advance(120_000);
        await round();
        await open.query("COMMIT");
        await round();
        await round();
        expect(bodiesTo("/a-json").map((sent) => [sent.message, sent.eventId])).toEqual([
          ["second id", Number(rows[0]?.id) + 1],
          ["first id, committed last", Number(rows[0]?.id)],
        ]);
      } finally {
        await open.end();
      }
    },
  );

  it.runIf(TEST_STORE === "postgres")(
    "holds the cursor at the id of a rolled-back insert only for the grace, then moves past it",
    async () => {
      const open = new pg.Client({ connectionString: server.databaseUrl ?? "" });
      await open.connect();
      try {
        await open.query("BEGIN");
        await open.query(
          `INSERT INTO system_events (type, severity, client_id, message, created_at)
           VALUES ('command_failed', 'warning', $1, 'never', $2)`,
          [clientA, clock.now()],
        );
        await open.query("ROLLBACK");
      } finally {
        await open.end();
      }
      await record({
        type: "switch_completed",
        severity: "info",
        message: "after the gap",
        clientId: clientA,
      });
      const [newest] = await server.app.store.webhooks
        .eventIdsAfter(0, 1_000_000)
        .then((ids) => ids.slice(-1));
      await round();
      expect(await server.app.store.webhooks.scanCursor()).toBe((newest ?? 0) - 2);
      clock.advance(600_000);
      await round();
      expect(await server.app.store.webhooks.scanCursor()).toBe(newest);
    },
  );

  it("retries after a 500 with backoff, records every attempt, and keeps the queue across a restart", async () => {
    clock.advance(1); // a webhook takes the events from its creation on, not the earlier ones
    await createHook("flaky", tokenA, { events: ["command_failed"] });
    receiver.answer("/flaky", 500, 500);
    await record({
      type: "command_expired",
      severity: "warning",
      message: "Command expired",
      clientId: clientA,
    });
    await round();
    expect(receiver.to("/flaky")).toHaveLength(1);
    await round(); // not due yet: the first retry waits 30 s
    expect(receiver.to("/flaky")).toHaveLength(1);
    clock.advance(30_000);
    await round();
    expect(receiver.to("/flaky")).toHaveLength(2);

    // The second retry waits 60 s; the process stops before it and a new one sends it from the store.
    const dataDir = server.dataDir;
    await server.stop();
    clock.advance(59_000);
    server = await startTestApp({
      clock,
      jobDriver: "off",
      dataDir,
      webhookDispatch: SMALL_PAGES,
      settings: ON_PREMISE,
    });
    await round();
    expect(receiver.to("/flaky")).toHaveLength(2);
    clock.advance(1_000);
    await round();
    expect(receiver.to("/flaky")).toHaveLength(3);
    const bodies = new Set(receiver.to("/flaky").map((request) => request.body));
    expect(bodies.size).toBe(1);

    const log = await api("GET", `/api/webhooks/${hooks.flaky?.id}/deliveries`, tokenA);
    expect(log.status).toBe(200);
    expect(log.body).toHaveLength(1);
    expect(log.body[0]).toMatchObject({ event: "command_failed", status: "delivered", attempts: 3 });
    expect(log.body[0].attempt_log.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([
      500, 500, 200,
    ]);
  });

  it("test-sends now, signed, and answers how it went", async () => {
    const answer = await api("POST", `/api/webhooks/${hooks["a-slack"]?.id}/test`, tokenA);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ event: "test", status: "delivered", attempts: 1 });
    expect(answer.body.attempt_log[0].status_code).toBe(200);
    const sent = receiver.to("/a-slack").at(-1);
    expect(JSON.parse(sent?.body ?? "{}").text).toContain("Test delivery");
    const signature = String(sent?.headers["x-spot-signature"]);
    expect(verifySignature(hooks["a-slack"]?.secret ?? "", sent?.body ?? "", signature, clock.now())).toBe(
      true,
    );
  });

  it("answers 404 for another tenant's webhook id, and deletes a client's own", async () => {
    const foreign = hooks["a-json"]?.id ?? "";
    for (const [method, path] of [
      ["DELETE", `/api/webhooks/${foreign}`],
      ["POST", `/api/webhooks/${foreign}/test`],
      ["GET", `/api/webhooks/${foreign}/deliveries`],
    ] as const) {
      expect((await api(method, path, tokenB)).status, `${method} ${path}`).toBe(404);
      // A client's webhook is not the operator's either.
      expect((await api(method, path.replace("/api/", "/api/admin/"), server.adminToken)).status).toBe(404);
    }
    expect((await api("POST", `/api/webhooks/${hooks.ops?.id}/test`, tokenA)).status).toBe(404);
    expect((await api("GET", "/api/webhooks", tokenB)).body.map((hook: { id: string }) => hook.id)).toEqual([
      hooks["b-json"]?.id,
    ]);
    expect((await api("GET", "/api/admin/webhooks", tokenA)).status).toBe(401);

    expect((await api("DELETE", `/api/webhooks/${hooks["b-json"]?.id}`, tokenB)).status).toBe(200);
    expect((await api("GET", "/api/webhooks", tokenB)).body).toEqual([]);
    expect((await api("DELETE", `/api/webhooks/${hooks["b-json"]?.id}`, tokenB)).status).toBe(404);
  });

  it("drops deliveries with their attempts once they are as old as the activity log keeps", async () => {
    const path = `/api/webhooks/${hooks.flaky?.id}/deliveries`;
    expect((await api("GET", path, tokenA)).body).toHaveLength(1);
    clock.advance(91 * 86_400_000);
    await server.app.jobs.runNow("retention");
    expect((await api("GET", path, tokenA)).body).toEqual([]);
  });
});

describe("webhook delivery loop", () => {
  const clock = new ManualClock();
  const receiver = new Receiver();
  let server: TestApp;

  beforeAll(async () => {
    await receiver.start();
    // The loop runs on the app's clock, as the jobs do: each second of the clock is one round.
    server = await startTestApp({ clock, settings: ON_PREMISE });
  });
  afterAll(async () => {
    await server?.dispose();
    await receiver.stop();
  });

  it("sends in the background, the writer of the event never waiting for the receiver", async () => {
    const created = await rest(server.httpUrl, "POST", "/api/admin/webhooks", {
      token: server.adminToken,
      body: { url: `${receiver.url}/slow`, events: ["job_failed"] },
    });
    expect(created.status).toBe(201);
    receiver.hold("/slow");
    await server.app.store.events.insert(
      { type: "job_failed", severity: "error", message: "Background job x failed" },
      clock.now(),
    );
    clock.advance(1_000);
    // The round is under way and the receiver has not answered: the event's write returned before it was sent,
    // and the store still answers (the attempt holds no transaction).
    await expect.poll(() => receiver.to("/slow").length).toBe(1);
    const log = await rest(
      server.httpUrl,
      "GET",
      `/api/admin/webhooks/${created.body.webhook.id}/deliveries`,
      {
        token: server.adminToken,
      },
    );
    expect(log.body[0]).toMatchObject({ status: "pending", attempts: 0 });
    receiver.release();
    await expect
      .poll(async () => {
        const after = await rest(
          server.httpUrl,
          "GET",
          `/api/admin/webhooks/${created.body.webhook.id}/deliveries`,
          { token: server.adminToken },
        );
        return after.body[0]?.status;
      })
      .toBe("delivered");
  });
});

describe("webhook metrics", () => {
  const clock = new ManualClock();
  const receiver = new Receiver();
  let server: TestApp;

  beforeAll(async () => {
    await receiver.start();
    server = await startTestApp({
      clock,
      jobDriver: "off",
      webhookDispatch: { maxAttempts: 2, firstRetryMs: 1_000 },
      settings: ON_PREMISE,
    });
  });
  afterAll(async () => {
    await server?.dispose();
    await receiver.stop();
  });

  const scrape = async () => {
    const answer = await rest(server.httpUrl, "GET", "/metrics", { token: server.adminToken });
    expect(answer.status).toBe(200);
    const samples = parsePrometheusText(String(answer.body));
    const attempts = (outcome: string) => sampleValue(samples, "spot_webhook_deliveries_total", { outcome });
    return {
      delivered: attempts("delivered"),
      failedAttempt: attempts("failed_attempt"),
      givenUp: attempts("given_up"),
      refused: attempts("refused"),
      timed: sampleValue(samples, "spot_webhook_attempt_duration_seconds_count"),
      pending: sampleValue(samples, "spot_webhook_deliveries_pending"),
    };
  };

  it("counts attempts by outcome, times them, and shows the deliveries still pending", async () => {
    expect(await scrape()).toEqual({
      delivered: 0,
      failedAttempt: 0,
      givenUp: 0,
      refused: 0,
      timed: 0,
      pending: 0,
    });
    const created = await rest(server.httpUrl, "POST", "/api/admin/webhooks", {
      token: server.adminToken,
      body: { url: `${receiver.url}/down`, events: ["job_failed"] },
    });
    expect(created.status).toBe(201);
    receiver.answer("/down", 500, 500);
    clock.advance(1);
    await server.app.store.events.insert(
      { type: "job_failed", severity: "error", message: "Background job x failed" },
      clock.now(),
    );
    await server.app.services.webhookDelivery.fanOut();
    expect((await scrape()).pending).toBe(1);
    await server.app.services.webhookDelivery.runOnce();
    expect(await scrape()).toMatchObject({
      delivered: 0,
      failedAttempt: 1,
      givenUp: 0,
      timed: 1,
      pending: 1,
    });
    clock.advance(1_000);
    await server.app.services.webhookDelivery.runOnce();
    expect(await scrape()).toMatchObject({
      delivered: 0,
      failedAttempt: 1,
      givenUp: 1,
      timed: 2,
      pending: 0,
    });
    expect(receiver.to("/down")).toHaveLength(2);

    const test = await rest(server.httpUrl, "POST", `/api/admin/webhooks/${created.body.webhook.id}/test`, {
      token: server.adminToken,
    });
    expect(test.body.status).toBe("delivered");
    expect(await scrape()).toEqual({
      delivered: 1,
      failedAttempt: 1,
      givenUp: 1,
      refused: 0,
      timed: 3,
      pending: 0,
    });
  });
});
