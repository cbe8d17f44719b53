import { ERROR_CODES } from "../../../core/errors/app-error.js";
import { ERROR_STATUS } from "../../error-map.js";
import { type AnyRoute, type Auth, isRawResponse, type ResponseSpec } from "../route-definition.js";
import {
  bodyIsRequired,
  type JsonSchema,
  type OpenApiParameter,
  openApiPath,
  pathParameters,
  queryParameters,
  requestSchema,
  responseSchema,
} from "./openapi-schema.js";

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  tags: string[];
  security: Array<Record<string, string[]>>;
  parameters?: OpenApiParameter[];
  requestBody?: { required: boolean; content: { "application/json": { schema: JsonSchema } } };
  responses: Record<string, unknown>;
}

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: Record<string, unknown>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: Record<string, unknown>;
}

const SECURITY: Record<Auth, Array<Record<string, string[]>>> = {
  none: [],
  client: [{ clientToken: [] }],
  admin: [{ adminToken: [] }],
};

const TAG_DESCRIPTIONS: Record<string, string> = {
  client: "The client dashboard: agents, instances, prices, switches and commands of the caller's client",
  notifications: "The caller's notifications",
  admin: "Operators: clients, fleet-wide reports; admin token",
  agents: "Agents of the original system over REST",
  health: "Liveness and readiness",
  documentation: "This document",
};

/** The first path segment that names an area: `/api/client/...` is "client", `/health` is "health". */
function tagOf(path: string): string {
  if (path === "/openapi.json") return "documentation";
  const segments = path.split("/").filter(Boolean);
  const area = segments[0] === "api" ? segments[1] : segments[0];
  return area ?? "root";
}

const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `get /api/client/:clientId/agents` → `getClientByClientIdAgents`: unique per method and path. */
function operationId(method: string, path: string): string {
  const words = path
    .replace(/^\/api\//, "/")
    .split(/[/.-]/)
    .filter(Boolean)
    .map((segment) => {
      const param = /^:(\w+)/.exec(segment);
      return param ? `By${capitalized(param[1] ?? "")}` : capitalized(segment);
    });
  return method + words.join("");
}

const errorRef = (status: number) => ({ $ref: `#/components/responses/Error${status}` });

/** The error answers a route can give, from what it validates and how it authenticates. */
function errorResponses(definition: AnyRoute): Record<string, unknown> {
  // Any route can fail (500) or find the control plane unavailable (503: its database, or shutting down).
  const statuses = new Set<number>([500, 503]);
  const hasPathParams = definition.path.includes(":");
  if (definition.query || definition.body || hasPathParams) statuses.add(400);
  if (definition.body) statuses.add(413);
  if (definition.auth !== "none") {
    statuses.add(401);
    statuses.add(429);
  }
  if (definition.auth === "client") statuses.add(403);
  if (hasPathParams) statuses.add(404);
  if (definition.method !== "get") statuses.add(409);
  return Object.fromEntries(
    [...statuses].sort((a, b) => a - b).map((status) => [String(status), errorRef(status)]),
  );
}

/** The success body: JSON described by the route's response schema, or a raw media type (Prometheus text). */
function successContent(response: ResponseSpec): Record<string, { schema: JsonSchema }> {
  if (isRawResponse(response))
    return { [response.raw]: { schema: { type: "string", description: response.description } } };
  return { "application/json": { schema: responseSchema(response) } };
}

function operation(definition: AnyRoute): OpenApiOperation {
  const parameters = [
    ...pathParameters(definition.path),
    ...(definition.query ? queryParameters(definition.query) : []),
  ];
  const status = definition.status ?? 200;
  return {
    operationId: operationId(definition.method, definition.path),
    summary: definition.summary,
    tags: [tagOf(definition.path)],
    security: SECURITY[definition.auth],
    ...(parameters.length ? { parameters } : {}),
    ...(definition.body
      ? {
          requestBody: {
            required: bodyIsRequired(definition.body),
            content: { "application/json": { schema: requestSchema(definition.body) } },
          },
        }
      : {}),
    responses: {
      [String(status)]: {
        description: status === 201 ? "Created" : "Success",
        content: successContent(definition.response),
      },
      ...errorResponses(definition),
    },
  };
}

/** One reusable error response per HTTP status, naming the error codes that map to it. */
function errorComponents(): Record<string, unknown> {
  const codesByStatus = new Map<number, string[]>();
  for (const code of ERROR_CODES) {
    const status = ERROR_STATUS[code].http;
    codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...codesByStatus].map(([status, codes]) => [
      `Error${status}`,
      {
        description: `Error: ${codes.join(" or ")}`,
        ...(status === 429
          ? { headers: { "retry-after": { description: "Seconds to wait", schema: { type: "integer" } } } }
          : {}),
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    ]),
  );
}

/**
 * The OpenAPI 3.1 description of the REST bridge, built from the same route definitions that register and
 * validate the routes: a route cannot be served without being described, nor described differently.
 */
export function buildOpenApiDocument(routes: readonly AnyRoute[], version: string): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  for (const definition of routes) {
    const path = openApiPath(definition.path);
    paths[path] ??= {};
    const operations = paths[path];
    // Hono answers the first registered route of a method and path; later duplicates are never reached.
    if (operations && !operations[definition.method]) operations[definition.method] = operation(definition);
  }
  const tags = [...new Set(routes.map((definition) => tagOf(definition.path)))].map((name) => ({
    name,
    description: TAG_DESCRIPTIONS[name] ?? name,
  }));
  return {
    openapi: "3.1.0",
    info: {
      title: "Spot Optimizer REST bridge",
      version,
      summary: "The control plane's REST API: the dashboard's routes, notifications and operator routes",
      description:
        "Authenticate with `authorization: Bearer <token>`: a client token for `/api/client/*` and " +
        "`/api/notifications*`, the admin token for `/api/admin/*`. Errors are " +
        '`{"error": {"code": "...", "message": "..."}}`; a foreign id answers 404.',
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    tags,
    paths,
    components: {
      securitySchemes: {
        clientToken: {
          type: "http",
          scheme: "bearer",
          description: "A client's token, shown once when the client is created or its token regenerated",
        },
        adminToken: {
          type: "http",
          scheme: "bearer",
          description: "The control plane's admin token (SPOT_ADMIN_TOKEN or the generated data/admin-token)",
        },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string", enum: [...ERROR_CODES] },
                message: { type: "string", description: "Safe to show; never exception text" },
              },
              additionalProperties: true,
            },
          },
        },
      },
      responses: errorComponents(),
    },
  };
}
