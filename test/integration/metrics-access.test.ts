import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { freePort } from "../support/free-port.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const METRICS_TOKEN = "prometheus-reads-metrics-0123";

const get = (url: string, token?: string) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe("how Prometheus reaches /metrics", () => {
  describe("with a metrics token, on the REST listener", () => {
    let server: TestApp;
    let clientToken: string;
    beforeAll(async () => {
      server = await startTestApp({ settings: { metrics: { address: null, token: METRICS_TOKEN } } });
      ({ token: clientToken } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
    });
    afterAll(async () => server.dispose());

    it("answers the metrics token and still the admin token; refuses others", async () => {
      for (const token of [METRICS_TOKEN, server.adminToken]) {
        const response = await get(`${server.httpUrl}/metrics`, token);
        expect(response.status).toBe(200);
        expect(await response.text()).toContain("spot_agents_connected");
      }
      for (const token of [undefined, clientToken, `${METRICS_TOKEN}x`]) {
        const refused = await rest(server.httpUrl, "GET", "/metrics", { token });
        expect(refused.status).toBe(401);
        expect(refused.body.error.code).toBe("unauthenticated");
      }
    });

    it("opens nothing else: the metrics token is not an admin token", async () => {
      const admin = await rest(server.httpUrl, "GET", "/api/admin/clients", { token: METRICS_TOKEN });
      expect(admin.status).toBe(401);
    });
  });

  describe("on a listener of its own", () => {
    it("serves /metrics there without a token when none is set, and nothing else", async () => {
      const port = await freePort();
      const server = await startTestApp({
        settings: { metrics: { address: { host: "127.0.0.1", port }, token: null } },
      });
      try {
        expect(server.app.metricsPort).toBe(port);
        const open = await get(`http://127.0.0.1:${port}/metrics`);
        expect(open.status).toBe(200);
        expect(open.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(await open.text()).toContain("spot_commands_written_total");
        expect((await get(`http://127.0.0.1:${port}/api/admin/clients`, server.adminToken)).status).toBe(404);
        // The REST listener keeps asking for the admin token.
        expect((await get(`${server.httpUrl}/metrics`)).status).toBe(401);
      } finally {
        await server.dispose();
      }
      // Stopped with the app.
      await expect(get(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
    });

    it("needs the metrics token there when one is set", async () => {
      const port = await freePort();
      const server = await startTestApp({
        settings: { metrics: { address: { host: "127.0.0.1", port }, token: METRICS_TOKEN } },
      });
      try {
        expect((await get(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
        expect((await get(`http://127.0.0.1:${port}/metrics`, server.adminToken)).status).toBe(401);
        expect((await get(`http://127.0.0.1:${port}/metrics`, METRICS_TOKEN)).status).toBe(200);
      } finally {
        await server.dispose();
      }
    });
  });
});
