// How figures read on the page. Unknown values show as a dash, never as zero.

export const DASH = "–";

const isNumber = (value) => typeof value === "number" && Number.isFinite(value);

/** An hourly price: "$0.0350". */
export function price(value) {
  return isNumber(value) ? `$${value.toFixed(4)}` : DASH;
}

/** An amount of money: "$12.34" (more digits below a dollar, so cents of savings are not rounded away). */
export function dollars(value) {
  if (!isNumber(value)) return DASH;
  const digits = Math.abs(value) < 1 && value !== 0 ? 4 : 2;
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

export function percent(value) {
  return isNumber(value) ? `${value.toFixed(1)}%` : DASH;
}

export function hours(value) {
  if (!isNumber(value)) return DASH;
  return value < 48 ? `${value.toFixed(1)} h` : `${(value / 24).toFixed(1)} d`;
}

/** "2025-03-04 14:05" in the browser's time zone. */
export function dateTime(iso) {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return DASH;
  const pad = (part) => String(part).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function ago(iso, now = Date.now()) {
  if (!iso) return "never";
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (!Number.isFinite(seconds)) return DASH;
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** How the agent is reached, for the page: "stream", "polling, last poll 12 s ago", or "not connected". */
export function reachLabel(agent, now = Date.now()) {
  if (agent.reachedBy === "stream") return "stream";
  if (agent.reachedBy === "polling") return `polling, last poll ${ago(agent.lastPollAt, now)}`;
  return "not connected";
}

/** What a mode is called on the page. */
export function modeLabel(mode) {
  return { spot: "spot", ondemand: "on-demand", unknown: "unknown" }[mode] ?? String(mode ?? DASH);
}

/** A command in words: "Switch to pool m5.large.us-east-1b". */
export function commandLabel(command) {
  const parameters = command.parameters ?? {};
  switch (command.type) {
    case "switch_to_on_demand":
      return "Switch to on-demand";
    case "switch_to_spot_pool":
      return `Switch to pool ${parameters.poolId ?? ""}`.trim();
    case "apply_config":
      return "Apply settings";
    case "launch_replica":
      return "Launch replica";
    case "promote_replica":
      return "Promote replica";
    case "terminate_replica":
      return "Terminate replica";
    case "terminate_instance":
      return `Terminate ${parameters.instanceId ?? "instance"}`;
    default:
      return String(command.type);
  }
}

/** The tone of a badge for a state word. */
export function toneOf(state) {
  if (["online", "completed", "active", "ok", "Healthy", "Connected"].includes(state)) return "good";
  if (["pending", "delivered", "acknowledged", "warning", "disabled"].includes(state)) return "warn";
  if (["failed", "expired", "offline", "deleted", "error", "critical", "inactive"].includes(state))
    return "bad";
  return "info";
}
