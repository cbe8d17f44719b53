// Force switch: pick on-demand or a pool (cheapest first, with its saving), confirm, and the command is queued:
// pushed to a streaming agent, taken by a polling one at its next poll (POST /api/client/instances/:id/force-switch).
import { ApiError, describeError } from "./api-client.js";
import { announce, el, q, setText } from "./dom.js";
import { percent, price } from "./format.js";

/**
 * @param {string} value
 * @param {string} label
 * @param {string} detail
 * @param {{ checked?: boolean, disabled?: boolean, badges?: string[] }} [options]
 */
function choice(value, label, detail, { checked = false, disabled = false, badges = [] } = {}) {
  const id = `target-${value.replace(/[^\w-]/g, "_")}`;
  return el(
    "div",
    { class: "pool-choice" },
    el("input", { type: "radio", name: "target", id, value, checked, disabled }),
    el("label", { for: id }, label, ...badges.flatMap((text) => [" ", el("span", { class: "badge" }, text)])),
    el("span", { class: "price" }, detail),
  );
}

/** Fills the target list from the instance's current prices (C11). */
export async function loadSwitchTargets(api, agent) {
  const fieldset = q("#switch-targets");
  const legend = q("legend", fieldset);
  let pricing;
  try {
    pricing = await api(`/api/client/instances/${encodeURIComponent(agent.instanceId)}/pricing`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    fieldset.replaceChildren(legend, el("p", { class: "muted" }, "The agent has no instance to switch."));
    return;
  }
  const onDemand = pricing.onDemand?.price ?? null;
  const cheapest = pricing.pools.find((pool) => typeof pool.price === "number")?.id;
  const onOnDemand = pricing.currentMode === "ondemand";
  const choices = [
    choice("ondemand", "On-Demand", price(onDemand), {
      disabled: onOnDemand,
      badges: onOnDemand ? ["current"] : [],
    }),
    ...pricing.pools.map((pool) => {
      const current = pricing.currentPool?.id === pool.id && !onOnDemand;
      const badges = [...(pool.id === cheapest ? ["cheapest"] : []), ...(current ? ["current pool"] : [])];
      const saving = typeof pool.savings === "number" ? ` · saves ${percent(pool.savings)}` : "";
      return choice(`pool:${pool.id}`, pool.name, `${price(pool.price)}${saving}`, {
        disabled: current,
        badges,
      });
    }),
  ];
  fieldset.replaceChildren(legend, ...choices);
}

function selected(form) {
  const input = form.querySelector("input[name=target]:checked");
  if (!input) return null;
  const label = form.querySelector(`label[for="${input.id}"]`)?.firstChild?.textContent ?? input.value;
  return input.value === "ondemand"
    ? { body: { target: "ondemand" }, label }
    : { body: { target: "pool", pool_id: input.value.slice("pool:".length) }, label };
}

/** What the answer's `delivery` means for the person who asked. */
const DELIVERY = {
  pushed: "Pushed to the agent.",
  next_poll: "The agent polls for commands: it takes this one at its next poll.",
  when_connected:
    "The agent is not connected: it gets the command when it connects, unless it expires first.",
};

/** Wires the form: first click asks for confirmation, the second sends. */
export function wireSwitchForm(api, getAgent, onQueued) {
  const form = q("#force-switch-form");
  const confirm = q("#switch-confirm");
  const result = q("#switch-result");
  let pending = null;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    pending = selected(form);
    if (!pending) {
      setText(result, "Choose where to move the workload first.");
      return;
    }
    setText(result, "");
    setText(
      q("#switch-confirm-text"),
      `Switch ${getAgent().logicalAgentId} to ${pending.label} now? The agent launches the new instance at once.`,
    );
    confirm.hidden = false;
    q("#switch-confirm-yes").focus();
  });
  q("#switch-confirm-no").addEventListener("click", () => {
    confirm.hidden = true;
    q("#switch-submit").focus();
  });
  q("#switch-confirm-yes").addEventListener("click", async () => {
    const agent = getAgent();
    const button = q("#switch-confirm-yes");
    button.disabled = true;
    try {
      const answer = await api(`/api/client/instances/${encodeURIComponent(agent.instanceId)}/force-switch`, {
        method: "POST",
        body: pending.body,
      });
      const message =
        `Switch to ${pending.label} queued as command ${answer.command_id} (${answer.status}). ${DELIVERY[answer.delivery] ?? ""}`.trim();
      setText(result, message);
      announce(message);
      await onQueued();
    } catch (error) {
      setText(result, `Not sent: ${describeError(error)}`);
    } finally {
      button.disabled = false;
      confirm.hidden = true;
      q("#switch-submit").focus();
    }
  });
}
