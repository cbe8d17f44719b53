import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** The process's RLIMIT_NOFILE from /proc/<pid>/limits ("unlimited" reads as Infinity); null off Linux. */
export function readOpenFileLimit(pid: number | "self" = "self"): OpenFileLimit | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, "utf8");
  } catch {
    return null;
  }
  return parseOpenFileLimit(text);
}

export function parseOpenFileLimit(limitsText: string): OpenFileLimit | null {
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limitsText);
  if (!match) return null;
  const value = (text: string | undefined) =>
    text === "unlimited" ? Number.POSITIVE_INFINITY : Number(text);
  return { soft: value(match[1]), hard: value(match[2]) };
}

/**
 * Every agent's stream holds a descriptor, so the soft limit on open files caps the fleet (1,024 by default on
 * many systems). Node raises the soft limit to the hard one when it starts; where it did not (a runtime or a
 * sandbox that skips it), util-linux's prlimit raises it here. The hard limit is the administrator's (systemd's
 * LimitNOFILE). Answers the limit in force afterwards.
 */
export function raiseOpenFileLimit(): OpenFileLimit | null {
  const limit = readOpenFileLimit();
  if (!limit || limit.soft >= limit.hard) return limit;
  const hard = Number.isFinite(limit.hard) ? String(limit.hard) : "unlimited";
  spawnSync("prlimit", ["--pid", String(process.pid), `--nofile=${hard}:${hard}`], { stdio: "ignore" });
  return readOpenFileLimit();
}
