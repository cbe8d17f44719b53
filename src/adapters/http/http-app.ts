import { Hono } from "hono";
import type { CoreServices } from "../../core/core-services.js";
import { AppError } from "../../core/errors/app-error.js";
import { ERROR_STATUS, toSafeError } from "../error-map.js";
import { mountDashboard } from "./dashboard/dashboard-routes.js";
import { withOpenApiRoute } from "./openapi/openapi-route.js";
import type { AnyRoute } from "./route-definition.js";
import { registerRoutes } from "./route-definition.js";

/**
 * The Hono application of the REST bridge: routes, `/openapi.json` generated from them, the dashboard's pages,
 * JSON errors `{"error": {"code", "message"}}`.
 */
export function createHttpApp(services: CoreServices, routes: readonly AnyRoute[]): Hono {
  const app = new Hono();
  const documented = withOpenApiRoute(routes);
  registerRoutes(app, documented, services);
  mountDashboard(app, documented);
  app.notFound((context) =>
    context.json(
      {
        error: {
          code: "not_found",
          message: `no route ${context.req.method} ${pathnameOf(context.req.url)}`,
        },
      },
      404,
    ),
  );
  app.onError((error, context) => {
    const safe =
      error instanceof AppError
        ? error
        : toSafeError(error, services.logger, { method: context.req.method, path: context.req.path });
    if (safe.code === "resource_exhausted" && typeof safe.details?.retryAfterSeconds === "number") {
      context.header("retry-after", String(safe.details.retryAfterSeconds));
    }
    return context.json(
      { error: { code: safe.code, message: safe.message, ...safe.details } },
      ERROR_STATUS[safe.code].http,
    );
  });
  return app;
}

/**
 * `new URL(url).pathname` without parsing the URL again: the adapter hands over an absolute URL that is either
 * already what URL would make of it or was made by URL (its path percent-encoded, dot segments resolved), so the
 * path runs from the first "/" after the authority to the query or fragment.
 */
export function pathnameOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  let end = url.length;
  for (let index = start; index < url.length; index++) {
    const code = url.charCodeAt(index);
    if (code === 0x3f || code === 0x23) {
      end = index;
      break;
    }
  }
  return url.slice(start, end);
}
