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

const Choice: FC<{ name: string; label: string; options?: ReadonlyArray<[string, string]> }> = ({
  name,
  label,
  options = [],
}) => (
  <label class="filter">
    <span>{label}</span>
    <select name={name} id={`filter-${name}`}>
      <option value="">any</option>
      {options.map(([value, text]) => (
        <option value={value}>{text}</option>
      ))}
    </select>
  </label>
);

/**
 * The fleet at any size: the server filters, searches, sorts and pages the agents (the view's state is in the
 * URL, so it can be shared), a "needs attention" panel and the fleet-wide feed of events.
 */
export const FleetPage: FC = () => (
  <Layout title="Fleet" page="fleet" nav="fleet">
    <h1 id="page-title">Fleet</h1>
    <div class="stat-row" id="fleet-stats" aria-busy="true">
      <StatCard stat="online" label="Agents online" />
      <StatCard
        stat="attention"
        label="Need attention"
        note="offline, disabled, failures, interruptions (24 h)"
      />
      <StatCard stat="instances" label="Instances running" />
      <StatCard stat="rate" label="Saving now" note="on-demand minus spot price, per hour" />
    </div>
    <div class="two-columns">
      <Section id="attention" title="Needs attention">
        <p class="panel-note" id="attention-summary" />
        <ul class="attention-list" id="attention-list" />
      </Section>
      <Section id="fleet-feed" title="Fleet feed">
        <ul class="feed-list" id="feed-list" />
      </Section>
    </div>
    <Section id="agents" title="Agents">
      <form id="fleet-filters" class="filters" aria-label="Filter the agents">
        <label class="filter search">
          <span>Search</span>
          <input
            type="search"
            name="q"
            id="filter-q"
            placeholder="name, id, instance, host"
            autocomplete="off"
          />
        </label>
        <Choice
          name="status"
          label="Status"
          options={[
            ["online", "online"],
            ["offline", "offline"],
            ["disabled", "disabled"],
          ]}
        />
        <Choice
          name="mode"
          label="Mode"
          options={[
            ["spot", "spot"],
            ["ondemand", "on-demand"],
            ["unknown", "unknown"],
          ]}
        />
        <Choice
          name="reach"
          label="Connection"
          options={[
            ["stream", "stream"],
            ["polling", "polling (agent v4)"],
            ["none", "not connected"],
          ]}
        />
        <Choice name="pool" label="Pool" />
        <Choice name="type" label="Type" />
        <Choice name="zone" label="Zone" />
        <label class="filter">
          <span>Sort</span>
          <select name="sort" id="filter-sort">
            <option value="name">name</option>
            <option value="status">status</option>
            <option value="mode">mode</option>
            <option value="pool">pool</option>
            <option value="type">type</option>
            <option value="zone">zone</option>
            <option value="lastSeen">last seen</option>
          </select>
        </label>
        <label class="filter">
          <span>Order</span>
          <select name="order" id="filter-order">
            <option value="asc">ascending</option>
            <option value="desc">descending</option>
          </select>
        </label>
        <label class="filter check">
          <input type="checkbox" name="attention" id="filter-attention" value="true" />
          <span>Needs attention only</span>
        </label>
      </form>
      <div class="pager" data-pager-for="agents-table">
        <button type="button" data-pager="previous" disabled>
          Previous
        </button>
        <span data-pager-status aria-live="polite" />
        <button type="button" data-pager="next" disabled>
          Next
        </button>
      </div>
      <DataTable
        id="agents-table"
        caption="Agents, one page, live"
        columns={COLUMNS}
        empty="No agents yet: start an agent with this client's token and it appears here."
      />
    </Section>
  </Layout>
);
