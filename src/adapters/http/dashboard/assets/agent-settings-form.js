// Mode and settings of one agent: enabled (C5) and auto-switch, manual replica, auto-terminate and the
// terminate wait (C7). Auto-switch and manual replica exclude each other; the server enforces it too.
import { describeError } from "./api-client.js";
import { announce, q, setText } from "./dom.js";

const FLAGS = ["enabled", "autoSwitchEnabled", "manualReplicaEnabled", "autoTerminateEnabled"];

/** Shows the agent's settings, unless the user is editing the form. */
export function showSettings(agent) {
  const form = q("#settings-form");
  if (form.dataset.dirty === "true") return;
  for (const flag of FLAGS) form.elements[flag].checked = Boolean(agent[flag]);
  form.elements.terminateWaitMinutes.value = String(agent.terminateWaitMinutes ?? "");
}

export function wireSettingsForm(api, getAgent, onSaved) {
  const form = q("#settings-form");
  const result = q("#settings-result");
  form.addEventListener("input", () => {
    form.dataset.dirty = "true";
  });
  form.elements.autoSwitchEnabled.addEventListener("change", (event) => {
    if (event.target.checked) form.elements.manualReplicaEnabled.checked = false;
  });
  form.elements.manualReplicaEnabled.addEventListener("change", (event) => {
    if (event.target.checked) form.elements.autoSwitchEnabled.checked = false;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const agent = getAgent();
    const path = `/api/client/agents/${encodeURIComponent(agent.id)}`;
    const config = {};
    for (const flag of ["autoSwitchEnabled", "manualReplicaEnabled", "autoTerminateEnabled"]) {
      if (form.elements[flag].checked !== Boolean(agent[flag])) config[flag] = form.elements[flag].checked;
    }
    const minutes = Number(form.elements.terminateWaitMinutes.value);
    if (form.elements.terminateWaitMinutes.value !== "" && minutes !== agent.terminateWaitMinutes) {
      config.terminateWaitMinutes = minutes;
    }
    const enabled = form.elements.enabled.checked;
    try {
      if (enabled !== agent.enabled) {
        await api(`${path}/toggle-enabled`, { method: "POST", body: { enabled } });
      }
      if (Object.keys(config).length) await api(`${path}/config`, { method: "POST", body: config });
      const message =
        enabled === agent.enabled && !Object.keys(config).length
          ? "Nothing changed."
          : "Settings saved and sent to the agent.";
      setText(result, message);
      announce(message);
      form.dataset.dirty = "false";
      await onSaved();
    } catch (error) {
      setText(result, `Not saved: ${describeError(error)}`);
    }
  });
}
