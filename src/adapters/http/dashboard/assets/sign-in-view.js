// Sign-in: checks the token with GET /api/client/validate, then keeps it in this tab only.
import { ApiError, describeError, request } from "./api-client.js";
import { q, setText } from "./dom.js";
import { saveClientSession } from "./session-store.js";

/** Only a dashboard page of this origin may be the destination after sign-in. */
function nextPage() {
  const next = new URLSearchParams(location.search).get("next") ?? "";
  return /^\/dashboard(\/[\w\-/%.]*)?(\?[\w=&%-]*)?$/.test(next) && !next.startsWith("/dashboard/sign-in")
    ? next
    : "/dashboard";
}

export async function start() {
  const form = q("#sign-in-form");
  const input = q("#token");
  const error = q("#sign-in-error");
  if (new URLSearchParams(location.search).get("reason") === "expired") {
    setText(error, "Your token is no longer accepted: sign in again.");
  }
  input.focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      setText(error, "Enter your client token.");
      input.focus();
      return;
    }
    const button = q("button[type=submit]", form);
    button.disabled = true;
    setText(error, "");
    try {
      const answer = await request("/api/client/validate", { token });
      saveClientSession({ token, clientId: answer.client_id, name: answer.name });
      location.assign(nextPage());
    } catch (failure) {
      const message =
        failure instanceof ApiError && failure.status === 401
          ? "That token was not accepted."
          : failure instanceof ApiError && failure.status === 403
            ? "This client is inactive."
            : describeError(failure);
      setText(error, message);
      input.select();
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
}
