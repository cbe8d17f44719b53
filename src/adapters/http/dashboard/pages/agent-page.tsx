import type { FC } from "hono/jsx";
import { ChartFrame } from "../components/chart-frame.js";
import { DataTable } from "../components/data-table.js";
import { Layout } from "../components/layout.js";
import { OptionalSource } from "../components/optional-source.js";
import { Section } from "../components/section.js";
import type { DashboardFeatures } from "../dashboard-features.js";

const INSTANCE_FACTS = [
  ["instance", "Instance"],
  ["type", "Type"],
  ["zone", "Zone"],
  ["mode", "Mode"],
  ["pool", "Pool"],
  ["price", "Price"],
  ["onDemand", "On-demand"],
  ["uptime", "Uptime"],
  ["switches", "Switches 7 d / 30 d / all"],
  ["saved", "Saved 30 d / all"],
] as const;

const RANGES = [
  ["1", "1 day"],
  ["7", "7 days"],
  ["30", "30 days"],
] as const;

/** One agent: its instance, the prices of its pools, commands, switches, settings and force-switch. */
export const AgentPage: FC<{ agentId: string; features: DashboardFeatures }> = ({ agentId, features }) => (
  <Layout title="Agent" page="agent" nav="fleet" data={{ "agent-id": agentId }}>
    <p class="breadcrumb">
      <a href="/dashboard">Fleet</a> / agent
    </p>
    <h1 id="page-title">Agent</h1>
    <p class="badges" id="agent-badges">
      <span class="badge" data-badge="status">
        –
      </span>
      <span class="badge" data-badge="reach">
        –
      </span>
      <span class="badge" data-badge="mode">
        –
      </span>
      <span class="badge" data-badge="enabled">
        –
      </span>
    </p>
    <div class="agent-grid">
      <Section id="instance" title="Current instance">
        <dl class="facts">
          {INSTANCE_FACTS.map(([key, label]) => (
            <div>
              <dt>{label}</dt>
              <dd data-fact={key}>–</dd>
            </div>
          ))}
        </dl>
      </Section>
      <Section id="settings" title="Mode and settings">
        <form id="settings-form" class="stack">
          <label class="check">
            <input type="checkbox" name="enabled" /> Enabled{" "}
            <span class="muted">(a disabled agent gets no switch)</span>
          </label>
          <label class="check">
            <input type="checkbox" name="autoSwitchEnabled" /> Auto-switch
          </label>
          <label class="check">
            <input type="checkbox" name="manualReplicaEnabled" /> Manual replica
            <span class="muted">(excludes auto-switch)</span>
          </label>
          <label class="check">
            <input type="checkbox" name="autoTerminateEnabled" /> Auto-terminate the old instance
          </label>
          <label for="terminate-wait">Minutes to keep the old instance before terminating it</label>
          <input id="terminate-wait" name="terminateWaitMinutes" type="number" min="0" max="1440" step="1" />
          <button type="submit" class="primary">
            Save settings
          </button>
          <p class="form-result" role="status" id="settings-result" />
        </form>
      </Section>
      <Section
        id="prices"
        title="Price history"
        class="wide"
        actions={
          <fieldset class="segmented">
            <legend class="visually-hidden">Price history range</legend>
            {RANGES.map(([days, label]) => (
              <button type="button" data-days={days} aria-pressed={days === "7" ? "true" : "false"}>
                {label}
              </button>
            ))}
          </fieldset>
        }
      >
        <ChartFrame id="price-chart" label="Spot price per pool with the on-demand price, dollars per hour" />
      </Section>
      <Section id="force-switch" title="Force switch" class="wide">
        <form id="force-switch-form" class="stack">
          <fieldset class="scroll-box pool-choices" id="switch-targets" tabindex={-1}>
            <legend>Move the workload to</legend>
            <p class="muted">Loading…</p>
          </fieldset>
          <button type="submit" class="primary" id="switch-submit">
            Switch…
          </button>
          <div class="confirm" id="switch-confirm" hidden>
            <p id="switch-confirm-text" />
            <button type="button" class="danger" id="switch-confirm-yes">
              Confirm switch
            </button>
            <button type="button" id="switch-confirm-no">
              Cancel
            </button>
          </div>
          <p class="form-result" role="status" id="switch-result" />
        </form>
      </Section>
      <Section id="decisions" title="Decisions" class="wide">
        <OptionalSource
          source={features.decisions}
          caption="Decisions with their reasons"
          unavailable="This control plane does not serve decisions yet, so there are none to show. Each command below carries its reason."
        />
      </Section>
      <Section id="commands" title="Commands" class="wide">
        <DataTable
          id="commands-table"
          caption="Commands of this agent, newest first"
          scroll
          columns={[
            { key: "created", label: "Created" },
            { key: "type", label: "Command" },
            { key: "state", label: "State" },
            { key: "origin", label: "By" },
            { key: "reason", label: "Reason" },
            { key: "result", label: "Result" },
          ]}
          empty="No command has been sent to this agent."
        />
      </Section>
      <Section id="switches" title="Switch history" class="wide">
        <DataTable
          id="switches-table"
          caption="Switches of this agent, newest first"
          scroll
          columns={[
            { key: "time", label: "When" },
            { key: "from", label: "From" },
            { key: "to", label: "To" },
            { key: "trigger", label: "Trigger" },
            { key: "price", label: "New price $/h", numeric: true },
            { key: "impact", label: "Saves $/h", numeric: true },
          ]}
          empty="This agent has not switched in the last 90 days."
        />
      </Section>
      <Section id="replicas" title="Replicas" class="wide">
        <OptionalSource
          source={features.agentReplicas ?? features.clientReplicas}
          caption="Replicas of this agent"
          unavailable="This control plane does not serve replicas yet, so there are none to show."
        />
        {features.agentReplicas ? (
          <form id="promote-form" class="stack" hidden>
            <label>
              Replica to promote <select name="replica" id="promote-replica" />
            </label>
            <label>
              <input type="checkbox" name="terminateOld" /> Terminate the old primary (otherwise it stays as a
              ready standby)
            </label>
            <button type="submit" class="primary">
              Promote
            </button>
            <p class="form-result" role="status" id="promote-result" />
          </form>
        ) : null}
      </Section>
    </div>
  </Layout>
);
