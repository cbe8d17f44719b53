import type { Context, Hono } from "hono";
import type { ParamKeys } from "hono/types";
import type { z } from "zod";
import type { ClientContext } from "../../core/clients/client.js";
import type { CoreServices } from "../../core/core-services.js";
import { AppError } from "../../core/errors/app-error.js";
import { authenticateRequest } from "./request-auth.js";
import { readJsonBody } from "./request-body.js";

export type Auth = "none" | "client" | "admin";

/** Who called: the client on client routes; nobody in particular on admin and open routes. */
export type CallerOf<A extends Auth> = A extends "client" ? ClientContext : undefined;

/** The `:name` parameters of a Hono path, each a string (Hono matches only non-empty segments). */
export type PathParams<P extends string> = {
  [K in ParamKeys<P> & string as K extends `${string}?` ? never : K]: string;
};

/** A route that answers something other than JSON (Prometheus text): its media type, for the document. */
export interface RawResponse {
  raw: string;
  description: string;
}

/** What a route answers on success: a zod schema of its JSON body, or a raw media type. */
export type ResponseSpec = z.ZodType | RawResponse;

type Awaitable<T> = T | Promise<T>;

/**
 * What `handle` may return: the JSON body its response schema describes (so the compiler checks what the presenter
 * returns against the schema), or a Response of its own (another status; a raw body).
 */
export type HandlerResult<R extends ResponseSpec> = Awaitable<
  (R extends z.ZodType ? z.input<R> : never) | Response
>;

export interface RouteInput<P extends string, A extends Auth, Q, B> {
  params: PathParams<P>;
  query: Q;
  body: B;
  caller: CallerOf<A>;
  services: CoreServices;
  context: Context;
}

/**
 * One REST route: the schemas here validate requests and describe the API (requests and responses), so the two
 * cannot drift. `handle` only decodes, calls one core use case and encodes its answer.
 */
export interface RouteDefinition<
  P extends string = string,
  A extends Auth = Auth,
  Q = unknown,
  B = unknown,
  R extends ResponseSpec = ResponseSpec,
> {
  method: "get" | "post" | "put" | "delete";
  path: P;
  auth: A;
  summary: string;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The success body: published in /openapi.json; the handler's return type is checked against it. */
  response: R;
  /**
   * HTTP status of a success; 200 by default. A handler may also return a Response of its own, or a promise (a
   * use case that answers later, such as running a job on demand).
   */
  status?: 200 | 201;
  handle(input: RouteInput<P, A, Q, B>): HandlerResult<R>;
}

/** Any route, its types erased: what the list of routes, the registration and the document handle. */
export type AnyRoute = Omit<RouteDefinition, "handle"> & {
  handle(input: RouteInput<string, Auth, unknown, unknown>): unknown;
};

/** Keeps the inferred path, auth, query, body and response types of each route while collecting them in one list. */
export function route<
  const P extends string,
  const A extends Auth,
  R extends ResponseSpec,
  Q = Record<string, never>,
  B = Record<string, never>,
>(definition: RouteDefinition<P, A, Q, B, R>): AnyRoute {
  return definition as unknown as AnyRoute;
}

/** Whether a route answers JSON (described by a zod schema) rather than a raw body. */
export const isRawResponse = (response: ResponseSpec): response is RawResponse => "raw" in response;

function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${where}${issue.path.length ? `.${issue.path.join(".")}` : ""}: ${issue.message}`)
    .join("; ");
}

/**
 * Registers each route's handler. A route that needs no wait (no body to read, a caller known in memory, a use case
 * that answers at once, such as /health on SQLite) answers synchronously: @hono/node-server then writes the
 * response without a promise or a close listener per request, a measurable share of the cheapest routes' cost
 * (npm run bench:rest). Anything that does wait goes on as a promise; errors reach the app's onError either way.
 */
export function registerRoutes(app: Hono, routes: readonly AnyRoute[], services: CoreServices): void {
  for (const definition of routes) {
    const method = definition.method.toUpperCase();
    // Named once per route, not per request: what the trail of refused authentications records.
    const label = `${method} ${definition.path}`;
    const status = definition.status ?? 200;
    const answer = (context: Context, result: unknown): Response =>
      result instanceof Response ? result : context.json(result as object, status);
    const run = (context: Context, caller: ClientContext | undefined): Response | Promise<Response> => {
      const query = definition.query ? parse("query", definition.query, context.req.query()) : {};
      const input = (body: unknown) =>
        definition.handle({ params: context.req.param(), query, body, caller, services, context });
      const result = definition.body
        ? readJsonBody(context).then((raw) => input(parse("body", definition.body as z.ZodType, raw)))
        : input({});
      return isPromise(result) ? result.then((value) => answer(context, value)) : answer(context, result);
    };
    const handler = (context: Context): Response | Promise<Response> => {
      const caller = authenticateRequest(context, definition.auth, services, label);
      return isPromise(caller) ? caller.then((known) => run(context, known)) : run(context, caller);
    };
    app.on(method, definition.path, handler);
  }
}

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

function parse<T>(where: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError("invalid_argument", describeIssues(where, result.error));
  return result.data;
}
