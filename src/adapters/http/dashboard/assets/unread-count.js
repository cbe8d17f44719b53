// The unread count beside "Notifications" in the header.
import { setText } from "./dom.js";

/** The unread count beside "Notifications", refreshed with the page's other live data. */
export async function refreshUnreadCount(api) {
  const badge = document.getElementById("unread-count");
  if (!badge) return;
  const unread = await api("/api/notifications?unread_only=true&limit=500");
  const count = unread.length >= 500 ? "500+" : String(unread.length);
  badge.dataset.count = String(unread.length);
  setText(badge.querySelector(".count-value"), count);
}
