import type { FC } from "hono/jsx";
import { DataTable } from "../components/data-table.js";
import { Layout } from "../components/layout.js";
import { OptionalSource } from "../components/optional-source.js";
import { Section } from "../components/section.js";
import { StatCard } from "../components/stat-card.js";
import { WebhookSection } from "../components/webhook-section.js";
import type { DashboardFeatures } from "../dashboard-features.js";

const HEALTH_FACTS = [
  ["apiStatus", "API"],
  ["database", "Database"],
  ["connectedAgents", "Connected agents"],
  ["staleAgents", "Stale agents"],
  ["pendingCommands", "Pending commands"],
  ["recentErrors", "Errors, last hour"],
  ["uptime", "Uptime"],
  ["decisionEngine", "Decision engine"],
] as const;

/** The operator's view (admin token): fleet statistics, clients, health, activity, jobs and models. */
export const AdminPage: FC<{ features: DashboardFeatures }> = ({ features }) => (
  <Layout title="Admin" page="admin" nav="admin">
    <h1 id="page-title">Admin</h1>
    <form id="admin-sign-in" class="stack sign-in" hidden novalidate>
      <label for="admin-token">Admin token</label>
      <input id="admin-token" name="token" type="password" autocomplete="off" spellcheck={false} required />
      <button type="submit" class="primary">
        Open the admin view
      </button>
      <p id="admin-sign-in-error" class="form-error" role="alert" />
    </form>
    <div id="admin-content" hidden>
      <p class="toolbar">
        <button type="button" class="link-button" id="admin-sign-out">
          Close the admin view
        </button>
      </p>
      <div class="stat-row">
        <StatCard stat="clients" label="Clients" />
        <StatCard stat="agents" label="Agents online" />
        <StatCard stat="instances" label="Active instances" />
        <StatCard stat="pools" label="Pools priced" />
        <StatCard stat="switchesToday" label="Switches today" />
      </div>
      <div class="agent-grid">
        <Section id="clients" title="Clients" class="wide">
          <DataTable
            id="clients-table"
            caption="Clients, newest first"
            scroll
            columns={[
              { key: "name", label: "Name" },
              { key: "status", label: "Status" },
              { key: "agents", label: "Agents online / all" },
              { key: "instances", label: "Instances", numeric: true },
              { key: "created", label: "Created" },
              { key: "lastSync", label: "Last seen" },
              { key: "id", label: "Id" },
            ]}
            empty="No clients yet: create one below."
          />
          <form id="create-client" class="inline-form">
            <div>
              <label for="client-name">New client name</label>
              <input id="client-name" name="name" required maxlength={100} />
            </div>
            <div>
              <label for="client-email">Email (optional)</label>
              <input id="client-email" name="email" type="email" maxlength={200} />
            </div>
            <button type="submit">Create client</button>
          </form>
          <p class="form-result" role="status" id="create-client-result" />
          <form id="client-status" class="inline-form" hidden>
            <div>
              <label for="client-status-client">Client</label>
              <select id="client-status-client" name="client" />
            </div>
            <button type="submit">Deactivate</button>
          </form>
          <p class="form-result" role="status" id="client-status-result" />
        </Section>
        <Section id="health" title="System health">
          <dl class="facts">
            {HEALTH_FACTS.map(([key, label]) => (
              <div>
                <dt>{label}</dt>
                <dd data-fact={key}>–</dd>
              </div>
            ))}
          </dl>
        </Section>
        <Section id="activity" title="Activity">
          <DataTable
            id="activity-table"
            caption="Newest events"
            scroll
            columns={[
              { key: "time", label: "When" },
              { key: "severity", label: "Severity" },
              { key: "text", label: "Event" },
            ]}
            empty="Nothing has happened yet."
          />
        </Section>
        <Section id="jobs" title="Jobs" class="wide">
          <OptionalSource
            source={features.jobs}
            render="jobs"
            action={features.jobRun}
            grow
            caption="Background jobs"
            unavailable="This control plane does not serve job state yet (no /api/admin/jobs route), so there is none to show."
          />
        </Section>
        <Section id="models" title="Model registry" class="wide">
          <OptionalSource
            source={features.models}
            caption="Models"
            unavailable="This control plane does not serve a model registry yet, so there is no model to show."
          />
        </Section>
        <WebhookSection scope="admin" />
      </div>
    </div>
  </Layout>
);
