// Deactivate or reactivate a client (admin): a deactivated client's calls are refused and its agents
// disconnected at once; its data is kept and reactivation lets it back in.
import { describeError } from "./api-client.js";
import { announce, el, q, setText } from "./dom.js";

/** The call that sets a client's status. */
export function clientStatusRequest(clientId, active) {
  return {
    path: `/api/admin/clients/${encodeURIComponent(clientId)}/${active ? "activate" : "deactivate"}`,
    method: "POST",
  };
}

/** Lists the clients in the form's choice, each offering the opposite of its status. */
export function showClientChoices(clients) {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById("client-status"));
  if (!form) return;
  const select = q("#client-status-client", form);
  const previous = select.value;
  select.replaceChildren(
    ...clients.map((client) =>
      el(
        "option",
        { value: client.id, "data-status": client.status, selected: client.id === previous },
        `${client.name} (${client.status})`,
      ),
    ),
  );
  form.hidden = clients.length === 0;
  labelButton(form);
}

/** @param {HTMLFormElement} form */
function labelButton(form) {
  const option = /** @type {HTMLSelectElement} */ (form.elements.namedItem("client")).selectedOptions[0];
  setText(q("button[type=submit]", form), option?.dataset.status === "inactive" ? "Activate" : "Deactivate");
}

export function wireClientStatusForm(api, reload) {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById("client-status"));
  if (!form) return;
  const result = q("#client-status-result");
  /** @type {HTMLSelectElement} */ (form.elements.namedItem("client")).addEventListener("change", () =>
    labelButton(form),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const option = /** @type {HTMLSelectElement} */ (form.elements.namedItem("client")).selectedOptions[0];
    if (!option) return;
    const activate = option.dataset.status === "inactive";
    const { path, method } = clientStatusRequest(option.value, activate);
    try {
      const client = await api(path, { method });
      const message = `Client ${client.name} is ${client.status} now.`;
      setText(result, message);
      announce(message);
      await reload();
    } catch (error) {
      setText(result, `Not changed: ${describeError(error)}`);
    }
  });
}
