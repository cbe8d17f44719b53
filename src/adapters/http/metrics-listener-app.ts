import { Hono } from "hono";
import { carriesToken, type MetricsSource } from "./routes/metrics-routes.js";

/**
 * The app of the separate metrics listener (SPOT_METRICS_ADDR): GET /metrics and nothing else. It needs the
 * metrics token when one is set; otherwise it is open, for a listener bound to a private interface.
 */
export function createMetricsListenerApp(metrics: MetricsSource, metricsToken: string | null): Hono {
  const app = new Hono();
  app.get("/metrics", async (context) => {
    if (metricsToken !== null && !carriesToken(context, metricsToken)) {
      return context.json(
        { error: { code: "unauthenticated", message: "the metrics token is required" } },
        401,
        { "www-authenticate": "Bearer" },
      );
    }
    return context.body(await metrics.render(), 200, { "content-type": metrics.contentType });
  });
  app.notFound((context) =>
    context.json({ error: { code: "not_found", message: "this listener serves /metrics only" } }, 404),
  );
  return app;
}
