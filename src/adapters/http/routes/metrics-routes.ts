import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { peerOf } from "../request-auth.js";
import { route } from "../route-definition.js";

/** What /metrics serves: the Prometheus text of the control plane's metrics (src/adapters/metrics). */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

const SUMMARY =
  "Prometheus metrics: agents connected, stream messages by type, command push latency, command states, jobs, SQLite timings, event-loop lag, failovers, cost and savings per client";

const PROMETHEUS_TEXT = {
  raw: "text/plain",
  description: "The Prometheus text exposition format (version 0.0.4)",
};

const digest = (text: string) => createHash("sha256").update(text).digest();

const bearerOf = (context: Context) =>
  /^Bearer\s+(\S+)\s*$/i.exec(context.req.header("authorization") ?? "")?.[1];

/** Whether the request carries `token` as its bearer token (compared in constant time). */
export function carriesToken(context: Context, token: string): boolean {
  const bearer = bearerOf(context);
  return bearer !== undefined && timingSafeEqual(digest(bearer), digest(token));
}

/**
 * GET /metrics in the Prometheus text format. It tells fleet sizes and money across clients, so it needs the admin
 * token, or the metrics token (SPOT_METRICS_TOKEN) when one is set: a credential that reads metrics and nothing
 * else, for Prometheus's `authorization: { credentials_file: ... }`.
 */
export function metricsRoutes(metrics: MetricsSource, metricsToken: string | null = null) {
  const answer = async (context: Context) =>
    context.body(await metrics.render(), 200, { "content-type": metrics.contentType });
  if (metricsToken === null) {
    return [
      route({
        method: "get",
        path: "/metrics",
        auth: "admin",
        summary: SUMMARY,
        response: PROMETHEUS_TEXT,
        handle: ({ context }) => answer(context),
      }),
    ];
  }
  return [
    route({
      method: "get",
      path: "/metrics",
      // Checked here: the metrics token, else the admin token (with the same throttle on failures).
      auth: "none",
      summary: `${SUMMARY}. Needs the metrics token or the admin token.`,
      response: PROMETHEUS_TEXT,
      handle: ({ context, services }) => {
        if (!carriesToken(context, metricsToken)) {
          services.authenticator.authenticateAdmin(bearerOf(context), {
            peer: peerOf(context),
            where: "GET /metrics",
          });
        }
        return answer(context);
      },
    }),
  ];
}
