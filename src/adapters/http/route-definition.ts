import type { Context, Hono } from "hono";
import type { z } from "zod";
import type { ClientContext } from "../../core/clients/client.js";
import type { CoreServices } from "../../core/core-services.js";
import { AppError, invalidArgument } from "../../core/errors/app-error.js";
import { authenticateRequest } from "./request-auth.js";

export type Auth = "none" | "client" | "admin";

export interface RouteInput<Q, B> {
  params: Record<string, string>;
  query: Q;
  body: B;
  /** Set when auth is "client". */
  caller: ClientContext;
  services: CoreServices;
  context: Context;
}

/**
 * One REST route: the schemas here validate requests and (later) describe the API, so the two cannot drift.
 * `handle` only decodes, calls one core use case and encodes its answer.
 */
export interface RouteDefinition<Q = unknown, B = unknown> {
  method: "get" | "post" | "put" | "delete";
  path: string;
  auth: Auth;
  summary: string;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /**
   * HTTP status of a success; 200 by default. A handler may also return a Response of its own, or a promise (a
   * use case that answers later, such as running a job on demand).
   */
  status?: 200 | 201;
  handle(input: RouteInput<Q, B>): unknown;
}

/** Keeps the inferred query/body types of each route while collecting them in one list. */
export function route<Q = Record<string, never>, B = Record<string, never>>(
  definition: RouteDefinition<Q, B>,
): RouteDefinition {
  return definition as unknown as RouteDefinition;
}

function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${where}${issue.path.length ? `.${issue.path.join(".")}` : ""}: ${issue.message}`)
    .join("; ");
}

async function readJsonBody(context: Context): Promise<unknown> {
  const text = await context.req.text();
  if (text.trim() === "") return {};
  const type = context.req.header("content-type") ?? "";
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw invalidArgument(`expected a JSON body (content-type application/json), got ${type.split(";")[0]}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalidArgument("request body is not valid JSON");
  }
}

export function registerRoutes(app: Hono, routes: readonly RouteDefinition[], services: CoreServices): void {
  for (const definition of routes) {
    const method = definition.method.toUpperCase();
    // Named once per route, not per request: what the trail of refused authentications records.
    const label = `${method} ${definition.path}`;
    app.on(method, definition.path, async (context) => {
      const caller = await authenticateRequest(context, definition.auth, services, label);
      const query = definition.query ? parse("query", definition.query, context.req.query()) : {};
      const body = definition.body ? parse("body", definition.body, await readJsonBody(context)) : {};
      const result = await definition.handle({
        params: context.req.param() as Record<string, string>,
        query,
        body,
        caller: caller as ClientContext,
        services,
        context,
      });
      if (result instanceof Response) return result;
      return context.json(result as object, definition.status ?? 200);
    });
  }
}

function parse<T>(where: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError("invalid_argument", describeIssues(where, result.error));
  return result.data;
}
