// Promote a standby (R3): pick a ready or syncing replica; the old primary stays as a ready standby unless the
// person ticks "terminate the old primary" (as in the original, terminating it is an explicit choice).
import { describeError } from "./api-client.js";
import { announce, el, q, setText } from "./dom.js";

const PROMOTABLE = new Set(["ready", "syncing"]);

/** The request a promotion sends: the old primary is kept unless `terminateOld` is set. */
export function promotionRequest(agentId, replicaId, terminateOld) {
  return {
    path: `/api/agents/${encodeURIComponent(agentId)}/replicas/${encodeURIComponent(replicaId)}/promote`,
    body: { demote_old_primary: !terminateOld },
  };
}

/** Fills the replica choice from R2; the form shows only when a replica can be promoted. */
export async function loadPromoteChoices(api, agentId) {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById("promote-form"));
  if (!form) return;
  const answer = await api(`/api/agents/${encodeURIComponent(agentId)}/replicas`);
  const promotable = (answer?.replicas ?? []).filter((replica) => PROMOTABLE.has(replica.status));
  const select = q("#promote-replica", form);
  const previous = select.value;
  select.replaceChildren(
    ...promotable.map((replica) =>
      el(
        "option",
        { value: replica.id, selected: replica.id === previous },
        `${replica.instance_id ?? replica.id} · ${replica.pool?.id ?? ""} · ${replica.status}`,
      ),
    ),
  );
  form.hidden = promotable.length === 0;
}

export function wirePromoteForm(api, agentId, onPromoted) {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById("promote-form"));
  if (!form) return;
  const result = q("#promote-result", form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const replicaId = /** @type {HTMLSelectElement} */ (form.elements.namedItem("replica")).value;
    if (!replicaId) return;
    const { path, body } = promotionRequest(
      agentId,
      replicaId,
      /** @type {HTMLInputElement} */ (form.elements.namedItem("terminateOld")).checked,
    );
    const button = q("button[type=submit]", form);
    button.disabled = true;
    try {
      const answer = await api(path, { method: "POST", body });
      setText(result, answer.message);
      announce(answer.message);
      /** @type {HTMLInputElement} */ (form.elements.namedItem("terminateOld")).checked = false;
      await onPromoted();
    } catch (error) {
      setText(result, `Not promoted: ${describeError(error)}`);
    } finally {
      button.disabled = false;
    }
  });
}
