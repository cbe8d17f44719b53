import type { FC } from "hono/jsx";
import { ChartFrame } from "../components/chart-frame.js";
import { DataTable } from "../components/data-table.js";
import { Layout } from "../components/layout.js";
import { Section } from "../components/section.js";
import { StatCard } from "../components/stat-card.js";
import type { DashboardFeatures } from "../dashboard-features.js";

/**
 * Savings: the rate saved now, the time-weighted savings of each instance (C12), and the daily / monthly
 * chart once the savings accounting routes (C18, C20) are served.
 */
export const SavingsPage: FC<{ features: DashboardFeatures }> = ({ features }) => {
  const source = features.savings ?? features.charts;
  return (
    <Layout title="Savings" page="savings" nav="savings" data={{ "savings-source": source ?? "" }}>
      <h1 id="page-title">Savings</h1>
      <div class="stat-row">
        <StatCard stat="rate" label="Saving now" note="per hour, at current prices" />
        <StatCard stat="saved30" label="Saved, last 30 days" note="time-weighted, per instance" />
        <StatCard stat="savedAll" label="Saved, all time" note="time-weighted, per instance" />
      </div>
      <Section
        id="savings-over-time"
        title="Savings over time"
        actions={
          source ? (
            <fieldset class="segmented">
              <legend class="visually-hidden">Savings period</legend>
              <button type="button" data-range="daily" aria-pressed="true">
                Daily
              </button>
              <button type="button" data-range="monthly" aria-pressed="false">
                Monthly
              </button>
            </fieldset>
          ) : null
        }
      >
        {source ? (
          <ChartFrame id="savings-chart" label="Savings per period, dollars" />
        ) : (
          <p class="empty-state" data-unavailable="true">
            This control plane does not serve savings per day or month yet, so there is no chart to draw. The
            figures above and below are integrated from the prices each instance really paid.
          </p>
        )}
      </Section>
      <Section id="instance-savings" title="Savings per instance">
        <DataTable
          id="instance-savings-table"
          caption="Time-weighted savings per instance"
          columns={[
            { key: "instance", label: "Instance" },
            { key: "agent", label: "Agent" },
            { key: "state", label: "State" },
            { key: "mode", label: "Mode" },
            { key: "pool", label: "Pool" },
            { key: "uptime", label: "Uptime h", numeric: true },
            { key: "saved30", label: "Saved 30 d", numeric: true },
            { key: "savedAll", label: "Saved all", numeric: true },
          ]}
          empty="No instance has run yet."
        />
      </Section>
    </Layout>
  );
};
