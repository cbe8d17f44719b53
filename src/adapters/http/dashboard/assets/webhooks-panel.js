// Webhooks of the client (or of the operator on the admin page): add one (its secret shown once), send a
// test, delete, and see the last deliveries with their attempts.
import { describeError } from "./api-client.js";
import { announce, el, loadSection, q, setText } from "./dom.js";
import { ago, dateTime, toneOf } from "./format.js";

function deliveryLine(delivery) {
  const last = delivery.attempt_log.at(-1);
  const outcome = last ? (last.status_code ?? last.error ?? "") : "not tried yet";
  return el(
    "li",
    {},
    el(
      "span",
      { class: "badge", "data-tone": toneOf(delivery.status === "delivered" ? "ok" : delivery.status) },
      delivery.status,
    ),
    ` ${delivery.event} · ${delivery.attempts} attempt(s) · last: ${outcome} · `,
    el(
      "time",
      { datetime: delivery.created_at, title: dateTime(delivery.created_at) },
      ago(delivery.created_at),
    ),
  );
}

/** `base` is /api/webhooks or /api/admin/webhooks; `api` calls with the page's token. */
export function startWebhooksPanel(api, base) {
  const section = q("#webhooks");
  const list = q("#webhook-list");
  const result = q("#webhook-result");
  const form = q("#create-webhook");

  const item = (hook) => {
    const deliveries = el("ul", { class: "delivery-list", "aria-label": `Deliveries to ${hook.url}` });
    const test = el("button", { type: "button" }, "Send test");
    const remove = el("button", { type: "button", class: "danger" }, "Delete");
    const showDeliveries = async () => {
      const rows = await api(`${base}/${encodeURIComponent(hook.id)}/deliveries?limit=5`);
      deliveries.replaceChildren(
        ...(rows.length ? rows.map(deliveryLine) : [el("li", { class: "muted" }, "No deliveries yet.")]),
      );
    };
    test.addEventListener("click", async () => {
      try {
        const delivery = await api(`${base}/${encodeURIComponent(hook.id)}/test`, { method: "POST" });
        const last = delivery.attempt_log.at(-1);
        setText(
          result,
          `Test to ${hook.url}: ${delivery.status} (${last?.status_code ?? last?.error ?? ""})`,
        );
        announce(`Test ${delivery.status}.`);
        await showDeliveries();
      } catch (error) {
        setText(result, `Test not sent: ${describeError(error)}`);
      }
    });
    remove.addEventListener("click", async () => {
      try {
        await api(`${base}/${encodeURIComponent(hook.id)}`, { method: "DELETE" });
        setText(result, `Webhook to ${hook.url} deleted.`);
        await refresh();
      } catch (error) {
        setText(result, `Not deleted: ${describeError(error)}`);
      }
    });
    const li = el(
      "li",
      { "data-id": hook.id },
      el("span", { class: "badge" }, hook.format),
      el(
        "div",
        {},
        el("p", { class: "message" }, hook.url),
        el("p", { class: "muted" }, hook.events.join(", ")),
        deliveries,
      ),
      el("div", {}, test, remove),
    );
    showDeliveries().catch(() => undefined);
    return li;
  };

  const refresh = async () => {
    const hooks = await api(base);
    list.replaceChildren(
      ...(hooks.length ? hooks.map(item) : [el("li", { class: "empty-row" }, "No webhooks yet.")]),
    );
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await api(base, {
        method: "POST",
        body: { url: form.elements.url.value.trim(), format: form.elements.format.value },
      });
      result.replaceChildren(
        `Webhook added. Its signing secret, shown only now: `,
        el("code", {}, answer.webhook.secret),
      );
      announce("Webhook added.");
      form.reset();
      await refresh();
    } catch (error) {
      setText(result, `Not added: ${describeError(error)}`);
    }
  });
  return loadSection(section, refresh);
}
