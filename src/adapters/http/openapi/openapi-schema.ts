import { z } from "zod";

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) as plain data. */
export type JsonSchema = Record<string, unknown>;

/** One OpenAPI parameter object. */
export interface OpenApiParameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/**
 * The JSON Schema of what a request may send, from the zod schema that validates it: the input side, so a
 * field with a default is optional and a transform documents what it accepts, not what it produces.
 */
export function requestSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as JsonSchema;
  return json;
}

/**
 * The JSON Schema of what a route answers, from its response schema: the output side, where an object admits no
 * property the schema does not name (a presenter that grows a field must describe it).
 */
export function responseSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io: "output",
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as JsonSchema;
  return json;
}

/** Hono's `/api/client/:clientId/agents` as OpenAPI's `/api/client/{clientId}/agents`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)(\{[^}]*\})?\??/g, "{$1}");
}

/** The `:name` parameters of a Hono path, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((match) => match[1] ?? "");
}

export function pathParameters(path: string): OpenApiParameter[] {
  return pathParameterNames(path).map((name) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string", minLength: 1 },
  }));
}

/** One query parameter per property of the route's query object schema. */
export function queryParameters(schema: z.ZodType): OpenApiParameter[] {
  const json = requestSchema(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: "query",
      required: required.has(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

/** A request body is required when the schema refuses the empty body (which the bridge reads as `{}`). */
export function bodyIsRequired(schema: z.ZodType): boolean {
  return !schema.safeParse({}).success;
}
