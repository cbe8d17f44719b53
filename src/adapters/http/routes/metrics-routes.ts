import { route } from "../route-definition.js";

/** What /metrics serves: the Prometheus text of the control plane's metrics (src/adapters/metrics). */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/**
 * GET /metrics in the Prometheus text format. It needs the admin token like every operator route, since it
 * tells fleet sizes across clients: in Prometheus, `authorization: { credentials_file: <data dir>/admin-token }`.
 */
export function metricsRoutes(metrics: MetricsSource) {
  return [
    route({
      method: "get",
      path: "/metrics",
      auth: "admin",
      summary:
        "Prometheus metrics: agents connected, stream messages by type, command push latency, command states, jobs, SQLite timings, event-loop lag, failover histograms",
      handle: async ({ context }) =>
        context.body(await metrics.render(), 200, { "content-type": metrics.contentType }),
    }),
  ];
}
