import type { FC } from "hono/jsx";
import { DataTable } from "../components/data-table.js";
import { Layout } from "../components/layout.js";
import { Section } from "../components/section.js";
import { StatCard } from "../components/stat-card.js";

const COLUMNS = [
  { key: "agent", label: "Agent" },
  { key: "status", label: "Status" },
  { key: "reach", label: "Reached by" },
  { key: "mode", label: "Mode" },
  { key: "pool", label: "Pool" },
  { key: "type", label: "Type" },
  { key: "price", label: "Price $/h", numeric: true },
  { key: "onDemand", label: "On-demand $/h", numeric: true },
  { key: "savings", label: "Saving", numeric: true },
  { key: "seen", label: "Last seen" },
] as const;

/** The fleet: every agent of the client with its status, mode, pool, price and what it saves now. */
export const FleetPage: FC = () => (
  <Layout title="Fleet" page="fleet" nav="fleet">
    <h1 id="page-title">Fleet</h1>
    <div class="stat-row">
      <StatCard stat="online" label="Agents online" />
      <StatCard stat="instances" label="Instances running" />
      <StatCard stat="spot" label="On spot" />
      <StatCard stat="rate" label="Saving now" note="on-demand minus spot price, per hour" />
    </div>
    <Section id="agents" title="Agents">
      <DataTable
        id="agents-table"
        caption="Agents, live"
        columns={COLUMNS}
        empty="No agents yet: start an agent with this client's token and it appears here."
      />
    </Section>
  </Layout>
);
