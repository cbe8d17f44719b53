import type { FC } from "hono/jsx";
import { Section } from "./section.js";

/**
 * Webhooks of the signed-in client (notifications page) or of the operator (admin page): the list with test and
 * delete, the last deliveries of each, and a form to add one whose secret is shown once.
 */
export const WebhookSection: FC<{ scope: "client" | "admin" }> = ({ scope }) => (
  <Section id="webhooks" title="Webhooks" class="wide">
    <p class="muted">
      {scope === "admin"
        ? "Alerts of every client and failed background jobs, posted to your endpoints, signed (X-Spot-Signature)."
        : "Failovers, interruption notices, agents offline and failed commands of your agents, posted to your endpoints, signed (X-Spot-Signature)."}
    </p>
    <ul class="notification-list webhook-list" id="webhook-list" data-scope={scope} aria-label="Webhooks">
      <li class="placeholder-row">Loading…</li>
    </ul>
    <form id="create-webhook" class="inline-form">
      <div>
        <label for="webhook-url">Endpoint URL (http or https)</label>
        <input id="webhook-url" name="url" type="url" required maxlength={2048} />
      </div>
      <div>
        <label for="webhook-format">Body</label>
        <select id="webhook-format" name="format">
          <option value="json">JSON</option>
          <option value="slack">Slack</option>
        </select>
      </div>
      <button type="submit">Add webhook</button>
    </form>
    <p class="form-result" role="status" id="webhook-result" />
  </Section>
);
