import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alternativeModel } from "../support/alternative-model.js";
import {
  legacyInstance,
  v4CleanupReport,
  v4PricingReport,
  v4Register,
  v4SwitchReport,
} from "../support/legacy-agent-payloads.js";
import { openApi31Errors, responseValidators } from "../support/openapi-validator.js";
import { rest } from "../support/rest.js";
import { reportPrices, reportSwitch, US_EAST_PRICES } from "../support/rest-seed.js";
import { helloFor, newInstanceId, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

type Who = "none" | "admin" | "client";

/**
 * Every operation of the published /openapi.json, called for real on a fleet the test builds (a streaming agent,
 * a polling agent of the original system, replicas, a failover, models, clients), its success answer validated
 * against the response schema the document publishes (JSON Schema 2020-12, formats, no undocumented field).
 */
describe("real answers of every route against the published OpenAPI document", () => {
  let server: TestApp;
  let document: any;
  let validate: ReturnType<typeof responseValidators>;
  let clientToken = "";
  const covered = new Set<string>();
  const failures: string[] = [];

  beforeAll(async () => {
    // The webhooks post to a receiver on 127.0.0.1: the operator allows private targets.
    server = await startTestApp({ jobDriver: "off", settings: { webhookAllowPrivate: true } });
    document = (await rest(server.httpUrl, "GET", "/openapi.json")).body;
    validate = responseValidators(document);
  });
  afterAll(async () => server.dispose());

  /** An agent on its stream, its type priced in two zones (the second cheaper). */
  async function connectedWithPrices(name: string, instanceType: string, config?: Record<string, unknown>) {
    const hello = helloFor(name, { instanceType, availabilityZone: "us-east-1a" });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, clientToken, hello);
    if (config) {
      const configured = await rest(server.httpUrl, "POST", `/api/client/agents/${welcome.agentId}/config`, {
        token: clientToken,
        body: config,
      });
      expect(configured.status).toBe(200);
    }
    reportPrices(agent, [
      { instanceType, availabilityZone: "us-east-1a", price: 0.035 },
      { instanceType, availabilityZone: "us-east-1b", price: 0.03 },
    ]);
    await agent.next("receipt");
    return { agent, hello, ids: { agentId: welcome.agentId } };
  }

  /** Calls `operation` ("POST /api/x/{id}") with `params` filled in; validates its answer; answers the body. */
  async function call(
    who: Who,
    operation: string,
    options: { params?: Record<string, string>; query?: string; body?: unknown; raw?: Uint8Array } = {},
  ) {
    const [method = "", template = ""] = operation.split(" ");
    const path =
      template.replace(/\{(\w+)\}/g, (_all, name: string) =>
        encodeURIComponent(options.params?.[name] ?? ""),
      ) + (options.query ? `?${options.query}` : "");
    const token = who === "admin" ? server.adminToken : who === "client" ? clientToken : undefined;
    let answer: { status: number; body: any; type: string };
    if (options.raw) {
      const response = await fetch(`${server.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
        body: options.raw,
      });
      answer = { status: response.status, body: await response.json(), type: "application/json" };
    } else {
      const response = await fetch(`${server.httpUrl}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      });
      const type = response.headers.get("content-type") ?? "";
      const text = await response.text();
      answer = { status: response.status, body: type.includes("json") ? JSON.parse(text) : text, type };
    }
    if (answer.status !== 200 && answer.status !== 201) {
      throw new Error(`${operation} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    covered.add(`${method.toLowerCase()} ${template}`);
    const documented = document.paths[template]?.[method.toLowerCase()]?.responses?.[String(answer.status)];
    if (!answer.type.includes("json")) {
      if (!documented?.content?.[answer.type.split(";")[0] ?? ""])
        failures.push(`${operation}: ${answer.type}`);
    } else {
      for (const error of validate(operation, answer.status, answer.body))
        failures.push(`${operation}: ${error}`);
    }
    return answer.body;
  }

  it("validates the document as OpenAPI 3.1 with a response schema on every operation", async () => {
    expect(await openApi31Errors(document)).toEqual([]);
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const success = operation.responses["200"] ?? operation.responses["201"];
        const [media] = Object.values(success.content as Record<string, { schema: object }>);
        expect(Object.keys(media?.schema ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });

  it("answers every operation as documented", async () => {
    // Operators and clients.
    await call("none", "GET /health");
    await call("none", "GET /openapi.json");
    await call("admin", "GET /metrics");
    const created = await call("admin", "POST /api/admin/clients/create", {
      body: { name: "Tour", email: "tour@example.com" },
    });
    clientToken = created.client.token;
    const clientId: string = created.client.id;
    const other = await call("admin", "POST /api/admin/clients/create", { body: { name: "Passing" } });
    const otherId = { clientId: other.client.id };
    await call("admin", "GET /api/admin/clients/{clientId}/token", { params: otherId });
    await call("admin", "POST /api/admin/clients/{clientId}/regenerate-token", { params: otherId });
    await call("admin", "POST /api/admin/clients/{clientId}/deactivate", { params: otherId });
    await call("admin", "POST /api/admin/clients/{clientId}/activate", { params: otherId });
    await call("admin", "DELETE /api/admin/clients/{clientId}", { params: otherId });

    // A streaming agent with prices, switched by a person.
    const hello = helloFor("tour-1", { instanceType: "m5.large", availabilityZone: "us-east-1a" });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, clientToken, hello);
    const agentId = { agentId: welcome.agentId };
    reportPrices(agent, US_EAST_PRICES);
    await agent.next("receipt");
    await call("client", "GET /api/client/validate");
    await call("client", "GET /api/client/pricing-history", { query: `agent_id=${welcome.agentId}` });
    const own = { clientId };
    await call("client", "GET /api/client/{clientId}", { params: own });
    const switched = await call("client", "POST /api/client/instances/{instanceId}/force-switch", {
      params: { instanceId: hello.instanceId },
      body: { target: "pool", pool_id: "m5.large.us-east-1b" },
    });
    agent.ack(switched.command_id);
    const instanceId = reportSwitch(agent, hello, { toZone: "us-east-1b", commandId: switched.command_id });
    agent.result(switched.command_id, true, "switched");
    await expect
      .poll(
        async () =>
          (
            await rest(server.httpUrl, "GET", `/api/client/${clientId}/switch-history`, {
              token: clientToken,
            })
          ).body.length,
      )
      .toBe(1);
    await call("client", "GET /api/client/{clientId}/switch-history", { params: own });
    await call("client", "GET /api/client/{clientId}/agents", { params: own });
    await call("client", "GET /api/client/{clientId}/agents/history", { params: own });
    await call("client", "GET /api/client/{clientId}/instances", { params: own });
    await call("client", "GET /api/client/agents/{agentId}/commands", { params: agentId });
    await call("client", "GET /api/client/commands/{commandId}", {
      params: { commandId: switched.command_id },
    });
    const instance = { instanceId };
    await call("client", "GET /api/client/instances/{instanceId}/pricing", { params: instance });
    await call("client", "GET /api/client/instances/{instanceId}/metrics", { params: instance });
    await call("client", "GET /api/client/instances/{instanceId}/price-history", { params: instance });
    await call("client", "GET /api/client/instances/{instanceId}/available-options", { params: instance });
    await call("client", "GET /api/client/{clientId}/savings", { params: own, query: "range=monthly" });
    await call("client", "GET /api/client/{clientId}/savings", { params: own, query: "range=daily&days=3" });
    await call("client", "GET /api/client/{clientId}/stats/charts", { params: own });
    await call("client", "POST /api/agents/{agentId}/decide", { params: agentId, body: {} });
    await call("client", "GET /api/agents/{agentId}/switch-recommendation", { params: agentId });
    await call("client", "GET /api/client/{clientId}/agents/decisions", { params: own });

    // Settings, then a standby: attached, synced, ready, listed, promoted.
    await call("client", "POST /api/client/agents/{agentId}/toggle-enabled", {
      params: agentId,
      body: { enabled: true },
    });
    await call("client", "POST /api/client/agents/{agentId}/settings", {
      params: agentId,
      body: { auto_terminate_enabled: true },
    });
    await call("client", "POST /api/client/agents/{agentId}/config", {
      params: agentId,
      body: { autoSwitchEnabled: false, terminateWaitMinutes: 5 },
    });

    // A second agent: a standby asked for, attached, synced, ready, listed, promoted.
    const agent2 = await connectedWithPrices("tour-2", "c5.large");
    await call("client", "POST /api/client/agents/{agentId}/config", {
      params: agent2.ids,
      body: { manualReplicaEnabled: true },
    });
    const launch = await agent2.agent.waitFor(() =>
      agent2.agent.commands().find((command) => command.action?.$case === "launchReplica"),
    );
    const launched = launch.action?.$case === "launchReplica" ? launch.action.value.replicaId : "";
    const standby = { ...agent2.ids, replicaId: launched };
    await call("client", "PUT /api/agents/{agentId}/replicas/{replicaId}", {
      params: standby,
      body: { instance_id: newInstanceId(), status: "syncing" },
    });
    await call("client", "POST /api/agents/{agentId}/replicas/{replicaId}/sync-status", {
      params: standby,
      body: { sync_status: "synced", sync_latency_ms: 20, state_transfer_progress: 100 },
    });
    await call("client", "POST /api/agents/{agentId}/replicas/{replicaId}/status", {
      params: standby,
      body: { status: "ready" },
    });
    await call("client", "GET /api/agents/{agentId}/replicas", { params: agent2.ids });
    await call("client", "GET /api/client/{clientId}/replicas", { params: own });
    await call("client", "POST /api/agents/{agentId}/replicas/{replicaId}/promote", {
      params: standby,
      body: { demote_old_primary: false },
    });

    // A third: a standby asked for and terminated, then interruptions, then the agent deleted.
    // Manual mode turned on before any price is known: no standby can be placed until the prices come.
    const agent3 = await connectedWithPrices("tour-3", "r5.large", { manualReplicaEnabled: true });
    const dropped = await call("client", "POST /api/agents/{agentId}/replicas", {
      params: agent3.ids,
      body: {},
    });
    await call("client", "DELETE /api/agents/{agentId}/replicas/{replicaId}", {
      params: { ...agent3.ids, replicaId: dropped.replica_id },
    });
    await call("client", "POST /api/agents/{agentId}/create-emergency-replica", {
      params: agent3.ids,
      body: { signal_type: "rebalance-recommendation", instance_id: agent3.hello.instanceId },
    });
    await call("client", "POST /api/agents/{agentId}/termination-imminent", {
      params: agent3.ids,
      body: { instance_id: agent3.hello.instanceId },
    });
    const interruptions = await call("client", "GET /api/client/agents/{agentId}/interruptions", {
      params: agent3.ids,
    });
    expect(interruptions.map((interruption: { signal: string }) => interruption.signal)).toEqual([
      "rebalance_recommendation",
      "termination_notice",
    ]);
    const notifications = await call("client", "GET /api/notifications");
    expect(notifications.length).toBeGreaterThan(0);
    await call("client", "POST /api/notifications/{notificationId}/mark-read", {
      params: { notificationId: String(notifications[0].id) },
    });
    await call("client", "POST /api/notifications/mark-all-read");
    await call("client", "DELETE /api/client/agents/{agentId}", { params: agent3.ids });

    // An agent of the original system, polling.
    const polled = legacyInstance({ instanceType: "m5.large", az: "us-east-1a" });
    const registered = await call("client", "POST /api/agents/register", {
      body: v4Register(clientToken, "tour-legacy", polled),
    });
    const legacy = { agentId: registered.agent_id };
    await call("client", "POST /api/agents/{agentId}/heartbeat", {
      params: legacy,
      body: { status: "online" },
    });
    await call("client", "GET /api/agents/{agentId}/config", { params: legacy });
    await call("client", "GET /api/agents/{agentId}/replica-config", { params: legacy });
    await call("client", "POST /api/agents/{agentId}/pricing-report", {
      params: legacy,
      body: v4PricingReport(polled, Date.now()),
    });
    const issued = await call("client", "POST /api/agents/{agentId}/issue-switch-command", {
      params: legacy,
      body: { target_mode: "spot", target_pool_id: "m5.large.us-east-1b" },
    });
    const pending = await call("client", "GET /api/agents/{agentId}/pending-commands", { params: legacy });
    expect(pending.map((command: { id: string }) => command.id)).toContain(issued.command_id);
    await call("client", "POST /api/agents/{agentId}/commands/{commandId}/executed", {
      params: { ...legacy, commandId: issued.command_id },
      body: { success: true, message: "switched" },
    });
    const again = await call("client", "POST /api/client/instances/{instanceId}/force-switch", {
      params: { instanceId: polled.instanceId },
      body: { target: "ondemand" },
    });
    await call("client", "POST /api/agents/{agentId}/mark-command-executed", {
      params: legacy,
      body: { command_id: again.command_id, success: false, message: "capacity" },
    });
    const moved = legacyInstance({ instanceType: "m5.large", az: "us-east-1b" });
    await call("client", "POST /api/agents/{agentId}/switch-report", {
      params: legacy,
      body: v4SwitchReport(polled, moved, { now: Date.now(), priority: 50, oldTerminated: false }),
    });
    await call("client", "POST /api/agents/{agentId}/cleanup-report", {
      params: legacy,
      body: v4CleanupReport(Date.now()),
    });
    await call("client", "POST /api/agents/{agentId}/rebalance-recommendation", {
      params: legacy,
      body: { instance_id: moved.instanceId },
    });
    await call("client", "POST /api/agents/{agentId}/termination", {
      params: legacy,
      body: { instance_id: polled.instanceId, reason: "switched" },
    });

    // The fleet as the dashboard reads it: a page, the agents that need attention, totals, filters, the feed.
    const fleet = await call("client", "GET /api/client/{clientId}/fleet", {
      params: own,
      query: "sort=lastSeen&order=desc&limit=10",
    });
    expect(fleet.rows.length).toBeGreaterThan(0);
    await call("client", "GET /api/client/{clientId}/fleet", { params: own, query: "attention=true" });
    const attention = await call("client", "GET /api/client/{clientId}/fleet/attention", { params: own });
    expect(attention.items.length).toBeGreaterThan(0);
    await call("client", "GET /api/client/{clientId}/fleet/summary", { params: own });
    const facets = await call("client", "GET /api/client/{clientId}/fleet/facets", { params: own });
    expect(facets.instanceTypes).toContain("m5.large");
    const feed = await call("client", "GET /api/client/{clientId}/fleet/feed", { params: own });
    expect(feed.length).toBeGreaterThan(0);

    // Savings once the savings job has accounted the instances above: the report, each share, the CSV.
    await call("admin", "POST /api/admin/jobs/{name}/run", { params: { name: "savings" } });
    const report = await call("client", "GET /api/client/{clientId}/savings/report", { params: own });
    expect(report.totals.instances).toBeGreaterThan(0);
    const instanceShares = await call("client", "GET /api/client/{clientId}/savings/instances", {
      params: own,
    });
    expect(instanceShares.rows.length).toBeGreaterThan(0);
    const agentShares = await call("client", "GET /api/client/{clientId}/savings/agents", {
      params: own,
      query: "sort=id",
    });
    expect(agentShares.rows.length).toBeGreaterThan(0);
    const csv: string = await call("client", "GET /api/client/{clientId}/savings/export", {
      params: own,
      query: "by=instance",
    });
    expect(csv.trimEnd().split("\r\n")).toHaveLength(instanceShares.total + 1);

    // The operator's reports, jobs and models.
    await call("admin", "GET /api/admin/clients");
    await call("admin", "GET /api/admin/clients/growth");
    await call("admin", "GET /api/admin/stats");
    await call("admin", "GET /api/admin/instances");
    await call("admin", "GET /api/admin/agents");
    await call("admin", "GET /api/admin/activity");
    await call("admin", "GET /api/admin/system-health");
    await call("admin", "GET /api/admin/failovers");
    const { jobs } = await call("admin", "GET /api/admin/jobs");
    await call("admin", "POST /api/admin/jobs/{name}/run", { params: { name: jobs[0].name } });
    await call("admin", "GET /api/admin/models");
    const uploaded = await call("admin", "POST /api/admin/models", {
      query: "activate=true&note=tour",
      raw: alternativeModel("9.9.9"),
    });
    await call("admin", "POST /api/admin/models/rollback");
    await call("admin", "POST /api/admin/models/{modelId}/activate", {
      params: { modelId: uploaded.model.id },
    });

    // Webhooks of the client and of the operator: created, listed, a signed test sent to a local receiver, its
    // delivery log, deleted.
    const receiver = createServer((_request, response) => response.writeHead(204).end());
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      for (const [who, prefix] of [
        ["client", "/api/webhooks"],
        ["admin", "/api/admin/webhooks"],
      ] as const) {
        const created = await call(who, `POST ${prefix}`, { body: { url: receiverUrl, format: "slack" } });
        expect(created.webhook.secret).toMatch(/^whsec_/);
        const hook = { webhookId: created.webhook.id };
        expect(await call(who, `GET ${prefix}`)).toHaveLength(1);
        const sent = await call(who, `POST ${prefix}/{webhookId}/test`, { params: hook });
        expect(sent.status).toBe("delivered");
        expect(await call(who, `GET ${prefix}/{webhookId}/deliveries`, { params: hook })).toHaveLength(1);
        await call(who, `DELETE ${prefix}/{webhookId}`, { params: hook });
      }
    } finally {
      receiver.close();
    }

    agent.close();
    agent2.agent.close();
    agent3.agent.close();
    expect(failures).toEqual([]);
    const documented = Object.entries(document.paths as Record<string, object>).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`),
    );
    expect(documented.filter((operation) => !covered.has(operation))).toEqual([]);
  });
});
