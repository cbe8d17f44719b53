import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { ManualClock } from "../support/manual-clock.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

/**
 * Server-side request forgery: without the operator's override, a webhook may not point at the control plane's
 * own host, its network or the cloud's metadata service. Refused when created (400) and again when each delivery
 * connects, after the name is resolved: a receiver listening on 127.0.0.1 sees no connection at all.
 */
describe("webhook targets on private addresses", () => {
  const clock = new ManualClock();
  const receiver = new WebhookReceiver();
  let server: TestApp;
  let token: string;
  let clientId: string;

  const api = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });

  beforeAll(async () => {
    await receiver.start();
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => {
    await server?.dispose();
    await receiver.stop();
  });

  it("refuses at creation a URL whose host is, or resolves to, a private address, with a clear 400", async () => {
    const port = new URL(receiver.url).port;
    const refused: Array<[string, RegExp]> = [
      [`${receiver.url}/hook`, /127\.0\.0\.1 is a loopback address/],
      ["http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 is a link-local address/],
      ["http://[fd00:ec2::254]/latest/meta-data/", /fd00:ec2::254 is a unique-local address/],
      ["http://10.1.2.3/hook", /private address/],
      ["https://172.20.0.1/hook", /private address/],
      ["http://192.168.1.10:8080/hook", /private address/],
      ["http://100.64.0.1/hook", /carrier-grade NAT address/],
      ["http://0.0.0.0/hook", /unspecified address/],
      ["http://[::1]/hook", /loopback address/],
      ["http://[fe80::1]/hook", /link-local address/],
      ["http://224.0.0.251/hook", /multicast address/],
      // Other spellings of 127.0.0.1: decimal, hexadecimal, IPv4-mapped IPv6.
      ["http://2130706433/hook", /loopback address/],
      ["http://0x7f.1/hook", /loopback address/],
      ["http://[::ffff:127.0.0.1]/hook", /loopback address/],
      // A name is looked up: localhost resolves to the loopback address.
      [`http://localhost:${port}/hook`, /localhost resolves to (127\.0\.0\.1|::1), a loopback address/],
    ];
    for (const [url, message] of refused) {
      const answer = await api("POST", "/api/webhooks", { url });
      expect(answer.status, url).toBe(400);
      expect(answer.body.error.message, url).toMatch(message);
      expect(answer.body.error.message, url).toContain("--webhook-allow-private");
    }
    // The operator's webhooks are held to the same rule.
    const admin = await rest(server.httpUrl, "POST", "/api/admin/webhooks", {
      token: server.adminToken,
      body: { url: "http://169.254.169.254/", events: ["job_failed"] },
    });
    expect(admin.status).toBe(400);
    // A public address is accepted (TEST-NET-3: no host there; deleted before any event could be sent to it).
    const accepted = await api("POST", "/api/webhooks", { url: "https://203.0.113.10/hook" });
    expect(accepted.status).toBe(201);
    expect((await api("DELETE", `/api/webhooks/${accepted.body.webhook.id}`)).status).toBe(200);
    expect(receiver.connections).toBe(0);
  });

  it("refuses at delivery a name that resolves to a private address: recorded, given up, never connected", async () => {
    // Stored before the guard existed (or its name moved to a private address since): only delivery can see it.
    const webhookId = randomUUID();
    await server.app.store.webhooks.insert({
      id: webhookId,
      clientId,
      url: `http://localhost:${new URL(receiver.url).port}/moved`,
      format: "json",
      events: ["command_failed"],
      createdAt: clock.now(),
      secret: "whsec_test",
    });
    clock.advance(1);
    await server.app.store.events.insert(
      { type: "command_failed", severity: "warning", message: "Command failed: x", clientId },
      clock.now(),
    );
    await server.app.services.webhookDelivery.runOnce();
    await server.app.services.webhookDelivery.runOnce();

    const log = await api("GET", `/api/webhooks/${webhookId}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body).toHaveLength(1);
    // Refused once, not retried: the same policy would refuse every later attempt.
    expect(log.body[0]).toMatchObject({ event: "command_failed", status: "failed", attempts: 1 });
    const [attempt] = log.body[0].attempt_log;
    expect(attempt.status_code).toBeNull();
    expect(attempt.error).toMatch(
      /^refused: url's host localhost resolves to (127\.0\.0\.1|::1), a loopback/,
    );

    // A test send is refused the same way, and answers so.
    const test = await api("POST", `/api/webhooks/${webhookId}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ event: "test", status: "failed", attempts: 1 });
    expect(test.body.attempt_log[0].error).toMatch(/^refused: /);

    expect(receiver.connections).toBe(0);
    expect(receiver.requests).toHaveLength(0);

    const scrape = await rest(server.httpUrl, "GET", "/metrics", { token: server.adminToken });
    const samples = parsePrometheusText(String(scrape.body));
    expect(sampleValue(samples, "spot_webhook_deliveries_total", { outcome: "refused" })).toBe(2);
    expect(sampleValue(samples, "spot_webhook_deliveries_total", { outcome: "delivered" })).toBe(0);
    expect(sampleValue(samples, "spot_webhook_attempt_duration_seconds_count")).toBe(2);
  });
});
