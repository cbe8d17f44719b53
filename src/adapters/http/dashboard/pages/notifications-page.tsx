import type { FC } from "hono/jsx";
import { Layout } from "../components/layout.js";
import { Section } from "../components/section.js";
import { WebhookSection } from "../components/webhook-section.js";

/** The client's notifications, newest first, each with mark-read; mark-all-read for the lot; its webhooks. */
export const NotificationsPage: FC = () => (
  <Layout title="Notifications" page="notifications" nav="notifications">
    <h1 id="page-title">Notifications</h1>
    <div class="two-columns">
      <Section
        id="notifications"
        title="Newest first"
        actions={
          <button type="button" id="mark-all-read">
            Mark all read
          </button>
        }
      >
        <ol class="notification-list" id="notification-list" aria-label="Notifications">
          <li class="placeholder-row">Loading…</li>
        </ol>
      </Section>
      <WebhookSection scope="client" />
    </div>
  </Layout>
);
