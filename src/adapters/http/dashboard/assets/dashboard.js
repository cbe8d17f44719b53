// The dashboard's entry: account bar, unread count, then the page's own view (`data-page` on the body).
import { clientApi } from "./api-client.js";
import { setText } from "./dom.js";
import { everyWhileVisible } from "./live-poll.js";
import { clearClientSession, clientSession, goToSignIn } from "./session-store.js";
import { refreshUnreadCount } from "./unread-count.js";

const VIEWS = {
  "sign-in": () => import("./sign-in-view.js"),
  fleet: () => import("./fleet-view.js"),
  agent: () => import("./agent-view.js"),
  savings: () => import("./savings-view.js"),
  notifications: () => import("./notifications-view.js"),
  admin: () => import("./admin-view.js"),
};
/** Pages that show a client's data and so need its token. */
const CLIENT_PAGES = new Set(["fleet", "agent", "savings", "notifications"]);

function showAccount(session) {
  const account = document.getElementById("account");
  if (!account || !session) return;
  setText(document.getElementById("account-name"), session.name || session.clientId);
  account.dataset.signedIn = "true";
  document.getElementById("sign-out")?.addEventListener("click", () => {
    clearClientSession();
    location.assign("/dashboard/sign-in");
  });
}

async function main() {
  const page = document.body.dataset.page ?? "";
  const session = clientSession();
  if (CLIENT_PAGES.has(page) && !session) {
    goToSignIn();
    return;
  }
  showAccount(session);
  const api = session ? clientApi(session) : null;
  if (api && page !== "sign-in") {
    const refresh = () => refreshUnreadCount(api).catch(() => undefined);
    void refresh(); // refresh swallows its failure: the count stays as it was
    everyWhileVisible(refresh);
  }
  const load = VIEWS[page];
  try {
    if (load) await (await load()).start({ session, api });
  } finally {
    document.body.dataset.state = "ready";
  }
}

main().catch((error) => console.error("the dashboard failed to start", error));
