// Notifications, newest first: mark one read, or all; new ones appear without a reload. The client's webhooks.
import { describeError } from "./api-client.js";
import { announce, el, loadSection, q, setSectionStatus, setText } from "./dom.js";
import { ago, dateTime, toneOf } from "./format.js";
import { everyWhileVisible } from "./live-poll.js";
import { refreshUnreadCount } from "./unread-count.js";
import { startWebhooksPanel } from "./webhooks-panel.js";

/**
 * @param {import("../../responses/response-types.js").NotificationEntry} notification
 * @param {(notification: import("../../responses/response-types.js").NotificationEntry, li: HTMLElement) => unknown} onMarkRead
 */
function item(notification, onMarkRead) {
  const li = el("li", { "data-id": notification.id, "data-read": String(notification.isRead) });
  const button = notification.isRead
    ? el("span", { class: "muted" }, "read")
    : el("button", { type: "button", "aria-label": `Mark read: ${notification.message}` }, "Mark read");
  if (!notification.isRead) button.addEventListener("click", () => onMarkRead(notification, li));
  li.append(
    el("span", { class: "badge", "data-tone": toneOf(notification.severity) }, notification.severity),
    el(
      "div",
      {},
      el("p", { class: "message" }, notification.message),
      el("time", { datetime: notification.time, title: dateTime(notification.time) }, ago(notification.time)),
    ),
    button,
  );
  return li;
}

export async function start({ api }) {
  const section = q("#notifications");
  const list = q("#notification-list");
  const refreshCount = () => refreshUnreadCount(api);

  const markRead = async (notification, li) => {
    try {
      await api(`/api/notifications/${encodeURIComponent(notification.id)}/mark-read`, { method: "POST" });
      const next = li.nextElementSibling?.querySelector("button") ?? q("#mark-all-read");
      li.replaceWith(item({ ...notification, isRead: true }, markRead));
      next.focus();
      announce("Marked read.");
      await refreshCount();
    } catch (error) {
      setSectionStatus(section, `Not marked: ${describeError(error)}`);
    }
  };

  const refresh = async () => {
    const notifications = await api("/api/notifications?limit=100");
    if (notifications.length === 0) {
      list.replaceChildren(el("li", { class: "empty-row" }, "No notifications."));
      return;
    }
    // Keep the items (and the focus on them) that did not change.
    const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
    const items = notifications.map((notification) => {
      const current = existing.get(String(notification.id));
      if (current && current.dataset.read === String(notification.isRead)) {
        const time = current.querySelector("time");
        if (time) setText(time, ago(notification.time));
        return current;
      }
      return item(notification, markRead);
    });
    const same =
      items.length === list.children.length && items.every((li, index) => li === list.children[index]);
    if (!same) list.replaceChildren(...items);
  };

  q("#mark-all-read").addEventListener("click", async () => {
    try {
      const answer = await api("/api/notifications/mark-all-read", { method: "POST" });
      announce(`${answer.marked} marked read.`);
      await refresh();
      await refreshCount();
    } catch (error) {
      setSectionStatus(section, `Not marked: ${describeError(error)}`);
    }
  });

  await Promise.all([loadSection(section, refresh), startWebhooksPanel(api, "/api/webhooks")]);
  everyWhileVisible(() => loadSection(section, refresh));
}
