import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiPath } from "../../src/adapters/http/openapi/openapi-schema.js";
import { openApi31Errors } from "../support/openapi-validator.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** The dashboard's HTML pages and their assets are not REST routes. */
const isPage = (path: string) => path === "/" || path === "/dashboard" || path.startsWith("/dashboard/");

describe("GET /openapi.json", () => {
  let server: TestApp;
  let document: any;

  beforeAll(async () => {
    server = await startTestApp();
    const answer = await rest(server.httpUrl, "GET", "/openapi.json");
    expect(answer.status).toBe(200);
    document = answer.body;
  });
  afterAll(async () => server.dispose());

  it("validates as OpenAPI 3.1", async () => {
    expect(document.openapi).toBe("3.1.0");
    expect(await openApi31Errors(document)).toEqual([]);
    // The validator is live: a broken copy fails.
    const broken = structuredClone(document);
    delete broken.info;
    broken.paths["/health"].get.responses = "none";
    expect((await openApi31Errors(broken)).length).toBeGreaterThan(0);
  });

  it("lists every REST route the bridge serves, and only those", () => {
    const served = server.app.httpApp.routes
      .filter((entry) => entry.method !== "ALL" && !isPage(entry.path))
      .map((entry) => `${entry.method.toLowerCase()} ${openApiPath(entry.path)}`);
    const documented = Object.entries(document.paths as Record<string, object>).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`),
    );
    expect(served.length).toBeGreaterThan(30);
    expect(new Set(documented)).toEqual(new Set(served));
    expect(documented).toHaveLength(new Set(documented).size);
  });

  it("answers every documented operation with a route, not the catch-all 404", async () => {
    for (const [path, operations] of Object.entries(document.paths as Record<string, object>)) {
      for (const method of Object.keys(operations)) {
        const concrete = path.replace(/\{\w+\}/g, "x");
        const answer = await rest(server.httpUrl, method.toUpperCase(), concrete);
        expect(answer.body?.error?.message ?? "", `${method} ${path}`).not.toMatch(/^no route /);
      }
    }
  });

  it("takes parameters, bodies and auth from the route definitions", () => {
    const instances = document.paths["/api/client/{clientId}/instances"].get;
    expect(instances.security).toEqual([{ clientToken: [] }]);
    expect(instances.parameters).toContainEqual({
      name: "clientId",
      in: "path",
      required: true,
      schema: { type: "string", minLength: 1 },
    });
    expect(instances.parameters).toContainEqual({
      name: "status",
      in: "query",
      required: false,
      schema: { default: "all", type: "string", enum: ["all", "active", "terminated", "unmanaged"] },
    });
    const forceSwitch = document.paths["/api/client/instances/{instanceId}/force-switch"].post;
    expect(forceSwitch.requestBody.required).toBe(true);
    expect(forceSwitch.requestBody.content["application/json"].schema.properties.target.enum).toEqual([
      "ondemand",
      "pool",
      "spot",
    ]);
    expect(Object.keys(forceSwitch.responses)).toEqual([
      "201",
      "400",
      "401",
      "403",
      "404",
      "409",
      "413",
      "429",
      "500",
      "503",
    ]);
    expect(document.paths["/api/admin/stats"].get.security).toEqual([{ adminToken: [] }]);
    expect(document.paths["/health"].get.security).toEqual([]);
    expect(document.components.securitySchemes.clientToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.components.schemas.Error.properties.error.required).toEqual(["code", "message"]);
    expect(document.components.responses.Error409.description).toBe(
      "Error: already_exists or failed_precondition",
    );
    expect(document.components.responses.Error413.description).toBe("Error: payload_too_large");
  });
});
