import type { FC } from "hono/jsx";
import { ChartFrame } from "../components/chart-frame.js";
import { type Column, DataTable } from "../components/data-table.js";
import { Layout } from "../components/layout.js";
import { Section } from "../components/section.js";
import { StatCard } from "../components/stat-card.js";

const FIGURE_COLUMNS: Column[] = [
  { key: "hours", label: "Hours", numeric: true },
  { key: "cost", label: "Cost paid", numeric: true },
  { key: "onDemand", label: "On-demand cost", numeric: true },
  { key: "saved", label: "Saved", numeric: true },
];

/** Previous / next over a server-paged table. */
const Pager: FC<{ of: string }> = ({ of }) => (
  <div class="pager" data-pager-for={of}>
    <button type="button" data-pager="previous" disabled>
      Previous
    </button>
    <span data-pager-status aria-live="polite" />
    <button type="button" data-pager="next" disabled>
      Next
    </button>
  </div>
);

/**
 * Savings of the whole client, computed by the server from every instance's time-weighted figures: totals, cost
 * paid against the on-demand cost it replaced per day or month, each instance's and agent's share, CSV exports.
 */
export const SavingsPage: FC = () => (
  <Layout title="Savings" page="savings" nav="savings">
    <h1 id="page-title">Savings</h1>
    <div class="stat-row" id="savings-totals" aria-busy="true">
      <StatCard stat="rate" label="Saving now" note="per hour, running spot instances at current prices" />
      <StatCard stat="saved30" label="Saved, last 30 days" note="every instance, time-weighted" />
      <StatCard stat="savedAll" label="Saved, all time" note="every instance, time-weighted" />
    </div>
    <Section
      id="savings-over-time"
      title="Cost paid vs on-demand cost"
      actions={
        <fieldset class="segmented">
          <legend class="visually-hidden">Period</legend>
          <button type="button" data-range="daily" aria-pressed="true">
            Daily, 30 days
          </button>
          <button type="button" data-range="monthly" aria-pressed="false">
            Monthly, 12 months
          </button>
        </fieldset>
      }
    >
      <ChartFrame id="savings-chart" label="Cost paid and on-demand cost per period, dollars" />
      <p class="panel-note">
        Figures as of the savings job's last run (hourly by default): it integrates each instance's real price
        over the time it ran, and the on-demand price over the time it served its workload.
      </p>
    </Section>
    <Section
      id="savings-export"
      title="Export"
      actions={
        <div class="button-row">
          <button type="button" data-export="day">
            CSV per day
          </button>
          <button type="button" data-export="month">
            CSV per month
          </button>
          <button type="button" data-export="instance">
            CSV per instance
          </button>
          <button type="button" data-export="agent">
            CSV per agent
          </button>
        </div>
      }
    />
    <Section id="instance-savings" title="Savings per instance, all time">
      <DataTable
        id="instance-savings-table"
        caption="Cost, on-demand cost and savings of each instance, largest savings first"
        columns={[
          { key: "instance", label: "Instance" },
          { key: "agent", label: "Agent" },
          { key: "state", label: "State" },
          { key: "mode", label: "Mode" },
          ...FIGURE_COLUMNS,
        ]}
        empty="No instance has been accounted yet."
      />
      <Pager of="instance-savings-table" />
    </Section>
    <Section id="agent-savings" title="Savings per agent, all time">
      <DataTable
        id="agent-savings-table"
        caption="Cost, on-demand cost and savings of each agent's instances, largest savings first"
        columns={[
          { key: "agent", label: "Agent" },
          { key: "instances", label: "Instances", numeric: true },
          ...FIGURE_COLUMNS,
        ]}
        empty="No agent has been accounted yet."
      />
      <Pager of="agent-savings-table" />
    </Section>
  </Layout>
);
