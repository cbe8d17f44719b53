import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildOpenApiDocument } from "../../src/adapters/http/openapi/openapi-document.js";
import { openApiPath, pathParameterNames } from "../../src/adapters/http/openapi/openapi-schema.js";
import { type AnyRoute, route } from "../../src/adapters/http/route-definition.js";

const handle = () => ({});
const response = z.object({});

describe("buildOpenApiDocument", () => {
  it("writes Hono paths as OpenAPI templates", () => {
    expect(openApiPath("/api/agents/:agentId/commands/:commandId/executed")).toBe(
      "/api/agents/{agentId}/commands/{commandId}/executed",
    );
    expect(openApiPath("/items/:id{[0-9]+}")).toBe("/items/{id}");
    expect(pathParameterNames("/a/:first/b/:second")).toEqual(["first", "second"]);
  });

  it("describes each route from its definition", () => {
    const routes: AnyRoute[] = [
      route({
        method: "get",
        path: "/api/things/:thingId",
        auth: "client",
        summary: "One thing",
        query: z.object({ days: z.coerce.number().int().min(1).max(30).default(7), tag: z.string() }),
        response,
        handle,
      }),
      route({
        method: "post",
        path: "/api/admin/things",
        auth: "admin",
        summary: "Make a thing",
        body: z.object({ name: z.string().min(1), note: z.string().optional() }),
        status: 201,
        response,
        handle,
      }),
      route({
        method: "post",
        path: "/api/things/:thingId/touch",
        auth: "client",
        summary: "Touch it; an empty body is fine",
        body: z.object({ hard: z.boolean().optional() }),
        response,
        handle,
      }),
      route({ method: "get", path: "/health", auth: "none", summary: "Up?", response, handle }),
      route({ method: "get", path: "/health", auth: "admin", summary: "Never reached", response, handle }),
    ];
    const document = buildOpenApiDocument(routes, "1.2.3");
    expect(document.info.version).toBe("1.2.3");
    const get = document.paths["/api/things/{thingId}"]?.get;
    expect(get?.operationId).toBe("getThingsByThingId");
    expect(get?.parameters).toEqual([
      { name: "thingId", in: "path", required: true, schema: { type: "string", minLength: 1 } },
      {
        name: "days",
        in: "query",
        required: false,
        schema: { type: "integer", minimum: 1, maximum: 30, default: 7 },
      },
      { name: "tag", in: "query", required: true, schema: { type: "string" } },
    ]);
    expect(Object.keys(get?.responses ?? {})).toEqual([
      "200",
      "400",
      "401",
      "403",
      "404",
      "429",
      "500",
      "503",
    ]);

    const create = document.paths["/api/admin/things"]?.post;
    expect(create?.security).toEqual([{ adminToken: [] }]);
    expect(create?.tags).toEqual(["admin"]);
    expect(create?.requestBody).toEqual({
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            properties: { name: { type: "string", minLength: 1 }, note: { type: "string" } },
            required: ["name"],
          },
        },
      },
    });
    expect(Object.keys(create?.responses ?? {})).toEqual([
      "201",
      "400",
      "401",
      "409",
      "413",
      "429",
      "500",
      "503",
    ]);
    expect(document.paths["/api/things/{thingId}/touch"]?.post?.requestBody?.required).toBe(false);

    // The first definition of a method and path is the one Hono serves.
    expect(document.paths["/health"]?.get).toMatchObject({ summary: "Up?", security: [], tags: ["health"] });
    expect(document.tags.map((tag) => tag.name)).toEqual(["things", "admin", "health"]);
  });
});
