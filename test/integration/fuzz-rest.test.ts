import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiPath } from "../../src/adapters/http/openapi/openapi-schema.js";
import { ERROR_CODES } from "../../src/core/errors/app-error.js";
import { CapturingLogger } from "../support/capturing-logger.js";
import { DbFingerprint } from "../support/db-fingerprint.js";
import { type FuzzWorld, seedFuzzWorld } from "../support/fuzz-seed.js";
import { rest } from "../support/rest.js";
import { type FuzzRequest, type FuzzRoute, requestFor } from "../support/rest-fuzz-request.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Requests per route; FUZZ_RUNS raises it for a longer hunt (the seed of a failure is printed). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const isApi = (path: string) => !(path === "/" || path === "/dashboard" || path.startsWith("/dashboard/"));

/**
 * Random and malformed requests at every route the REST bridge registers (read from the live Hono app, so a new
 * route is fuzzed without being listed here): broken path ids and percent-encodings, nasty query strings, bodies
 * made valid from the route's schema and then broken, raw non-JSON, wrong content types and tokens. Never a 500,
 * never an unexpected error logged, and a refused request leaves the stored state exactly as it was.
 */
describe("bad input on every REST route", () => {
  let server: TestApp;
  let world: FuzzWorld;
  let fingerprint: DbFingerprint;
  let routes: FuzzRoute[];
  const logger = new CapturingLogger();

  beforeAll(async () => {
    server = await startTestApp({
      logger,
      jobDriver: "off",
      // The fuzz sends bad tokens on purpose; blocking its peer would turn every later request into a 429.
      authThrottle: { maxFailures: Number.MAX_SAFE_INTEGER },
    });
    world = await seedFuzzWorld(server);
    fingerprint = await DbFingerprint.of(server);
    const document = (await rest(server.httpUrl, "GET", "/openapi.json")).body;
    const seen = new Set<string>();
    routes = [];
    for (const entry of server.app.httpApp.routes) {
      if (entry.method === "ALL" || seen.has(`${entry.method} ${entry.path}`)) continue;
      seen.add(`${entry.method} ${entry.path}`);
      const operation = document.paths[openApiPath(entry.path)]?.[entry.method.toLowerCase()];
      routes.push({ method: entry.method, path: entry.path, operation });
    }
  }, 30_000);
  afterAll(async () => {
    await fingerprint?.close();
    for (const agent of world?.agents ?? []) agent.close();
    await server?.dispose();
  });

  /** Statuses per route, printed with FUZZ_STATS=1 (to see how deep the generated requests get). */
  const statuses = new Map<string, Record<number, number>>();

  /** Sends one request; checks the answer, the log and, for a refusal, that nothing was stored. */
  async function check(route: FuzzRoute, request: FuzzRequest): Promise<void> {
    // What the previous call set off has landed (a fresh world's agents too): the state before is this call's.
    await server.app.idle();
    const before = await fingerprint.take();
    const response = await fetch(`${server.httpUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    const text = await response.text();
    const counts = statuses.get(`${route.method} ${route.path}`) ?? {};
    counts[response.status] = (counts[response.status] ?? 0) + 1;
    statuses.set(`${route.method} ${route.path}`, counts);
    // Including what the call set off after its answer: pushes, delivery records, events, logged errors.
    await server.app.idle();
    const context = `${request.describe}\n→ ${response.status} ${text.slice(0, 300)}`;
    expect(response.status, context).toBeLessThan(500);
    expect(logger.drainErrors(), context).toEqual([]);
    if (response.status < 400) return;
    if (isApi(request.path)) {
      const body = JSON.parse(text);
      expect(ERROR_CODES, context).toContain(body.error?.code);
      expect(typeof body.error?.message, context).toBe("string");
    }
    const after = await fingerprint.take();
    if (after.digest !== before.digest) {
      const tables = DbFingerprint.differences(before, after).join(", ");
      expect.fail(`a refused request changed the stored state (${tables}):\n${context}`);
    }
  }

  it("notices a change of state (the check below is live)", async () => {
    await server.app.idle();
    const before = await fingerprint.take();
    const created = await rest(server.httpUrl, "POST", "/api/admin/clients/create", {
      token: server.adminToken,
      body: { name: `fingerprint-${Date.now()}` },
    });
    expect(created.status).toBe(201);
    expect((await fingerprint.take()).digest).not.toBe(before.digest);
  });

  it("finds every route of the live app, each described unless it is a dashboard page", () => {
    expect(routes.length).toBeGreaterThan(60);
    const undocumented = routes.filter((route) => isApi(route.path) && !route.operation);
    expect(undocumented).toEqual([]);
  });

  /**
   * A request that succeeds may delete the seeded client or agents, or rotate the token: the next route then
   * gets a fresh world, so it is not fuzzed with ids that no longer exist.
   */
  async function ensureWorld(): Promise<void> {
    const valid = await rest(server.httpUrl, "GET", "/api/client/validate", { token: world.token });
    const agent = await rest(server.httpUrl, "GET", `/api/client/agents/${world.agentIds[0]}/commands`, {
      token: world.token,
    });
    if (valid.status === 200 && agent.status === 200) return;
    for (const stale of world.agents) stale.close();
    world = await seedFuzzWorld(server);
  }

  it("answers every route's random and malformed requests without a 500 or a change of state", async () => {
    for (const route of routes) {
      const started = performance.now();
      await ensureWorld();
      await fc.assert(
        fc.asyncProperty(requestFor(route, world, server.adminToken), (request) => check(route, request)),
        { numRuns: RUNS, endOnFailure: true },
      );
      if (process.env.FUZZ_STATS) {
        const counts = JSON.stringify(statuses.get(`${route.method} ${route.path}`) ?? {});
        console.log(
          `${route.method} ${route.path} ${counts} in ${Math.round(performance.now() - started)} ms`,
        );
      }
    }
    const health = await rest(server.httpUrl, "GET", "/health");
    expect(health.status).toBe(200);
  }, 240_000);
});
