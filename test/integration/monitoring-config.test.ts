import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onPath } from "../prerequisites/prerequisites.js";
import { REPO_ROOT } from "../support/cli-process.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const DASHBOARD = join(REPO_ROOT, "deploy/grafana/spot-optimizer.json");
const ALERTS = join(REPO_ROOT, "deploy/prometheus/alerts.yml");
const ALERT_TESTS = join(REPO_ROOT, "deploy/prometheus/alerts.test.yml");
/** Series Prometheus makes itself, not the control plane. */
const PROMETHEUS_OWN = new Set(["up"]);
/** prom-client's default process metrics name gauges `_total`; promtool's lint says so. Not ours to rename. */
const PROM_CLIENT_LINT = /^nodejs_active_(handles|requests|resources)_total non-counter/;

interface Panel {
  type: string;
  title: string;
  id: number;
  targets?: Array<{ expr: string; refId: string }>;
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query?: unknown; definition?: string }> };
};
const dashboardQueries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
);
const alertExprs = [...readFileSync(ALERTS, "utf8").matchAll(/^\s+expr: (\|\n(?:\s{10}.*\n)+|.*)$/gm)].map(
  (match) => (match[1] as string).replace(/^\|\n/, ""),
);

/** The metric names a PromQL expression reads: ours (spot_), prom-client's (nodejs_, process_) and `up`. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(?:(?:spot|nodejs|process)_[A-Za-z0-9_]+|up(?=\{))/g)].map((m) => m[0]);
}

/** A Grafana query as PromQL: its variables given values Prometheus accepts. */
const asPromql = (expr: string) => expr.replaceAll("$__rate_interval", "5m").replaceAll("$client", ".*");

function promtool(args: string[], input?: string) {
  const run = spawnSync("promtool", args, { encoding: "utf8", input });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("the Grafana dashboard and the alert rules against the real /metrics", () => {
  let server: TestApp;
  let metricsText: string;
  const scratch = mkdtempSync(join(tmpdir(), "spot-monitoring-"));

  beforeAll(async () => {
    // Some traffic, so labelled series exist too: a client, an agent, a command pushed and acknowledged, a job run.
    server = await startTestApp({ jobDriver: "off" });
    const { token } = await createClient(server.grpcAddress, server.adminToken, "Acme");
    const hello = helloFor("monitored-1");
    const { agent } = await TestAgent.connect(server.grpcAddress, token, hello);
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      {
        token,
        body: { target: "ondemand" },
      },
    );
    agent.ack(issued.body.command_id);
    await server.app.jobs.runNow("savings");
    const response = await fetch(`${server.httpUrl}/metrics`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    metricsText = await response.text();
    agent.close();
  });
  afterAll(async () => {
    await server?.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Metric families /metrics declares (`# TYPE name kind`), and the sample names each gives. */
  const exposed = () => {
    const names = new Set<string>();
    for (const [, name, kind] of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      names.add(name as string);
      if (kind === "histogram" || kind === "summary") {
        for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
      }
    }
    return names;
  };

  it("reads the queries of every panel and every rule", () => {
    expect(dashboardQueries.length).toBeGreaterThan(20);
    expect(alertExprs).toHaveLength(8);
    expect(metricNames(alertExprs.join("\n"))).toContain("spot_failovers");
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
  });

  it("queries only metrics that /metrics exposes", () => {
    const names = exposed();
    const missing = [
      ...dashboardQueries.map(({ panel, expr }) => ({ where: `panel "${panel}"`, expr })),
      ...alertExprs.map((expr) => ({ where: "alerts.yml", expr })),
      ...dashboard.templating.list.map((variable) => ({
        where: `variable $${variable.name}`,
        expr: variable.definition ?? "",
      })),
    ].flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !names.has(name) && !PROMETHEUS_OWN.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
    // The check itself would catch a renamed metric.
    expect(metricNames("rate(spot_agent_streams_totals[5m])").filter((name) => !names.has(name))).toEqual([
      "spot_agent_streams_totals",
    ]);
  });

  describe.skipIf(!onPath("promtool"))("with promtool (Debian's prometheus; npm test installs it)", () => {
    it("promtool check rules accepts the alert rules, and the dashboard's queries as PromQL", () => {
      const rules = promtool(["check", "rules", ALERTS]);
      expect(rules.output).toContain("SUCCESS: 8 rules found");
      expect(rules.status).toBe(0);
      const asRules = join(scratch, "dashboard-queries.yml");
      writeFileSync(
        asRules,
        `groups:\n  - name: dashboard\n    rules:\n${dashboardQueries
          .map(
            (query, index) =>
              `      - record: dashboard:query_${index}\n        expr: ${JSON.stringify(asPromql(query.expr))}\n`,
          )
          .join("")}`,
      );
      const queries = promtool(["check", "rules", asRules]);
      expect(queries.output).toContain(`SUCCESS: ${dashboardQueries.length} rules found`);
    });

    it("promtool test rules: each alert fires on its scenario and stays quiet on the harmless one", () => {
      const result = promtool(["test", "rules", ALERT_TESTS]);
      expect(result.output).toContain("SUCCESS");
      expect(result.status).toBe(0);
      // A loosened threshold fails those tests.
      const loosened = join(scratch, "alerts.yml");
      writeFileSync(loosened, readFileSync(ALERTS, "utf8").replace("> 0.05", "> 0.5"));
      copyFileSync(ALERT_TESTS, join(scratch, "alerts.test.yml"));
      const broken = promtool(["test", "rules", join(scratch, "alerts.test.yml")]);
      expect(broken.status).not.toBe(0);
      expect(broken.output).toContain("SpotCommandPushLatencyHigh");
    });

    it("promtool check metrics finds nothing to say about the control plane's own metric names", () => {
      const lint = promtool(["check", "metrics"], metricsText);
      const problems = lint.output
        .split("\n")
        .filter((line) => line.trim() !== "" && !PROM_CLIENT_LINT.test(line));
      expect(problems).toEqual([]);
    });
  });
});
