/**
 * Run by `npm test` before vitest: installs what the suite needs outside node_modules when it is missing and the
 * machine allows it (Debian, root), otherwise stops at once with one line saying what to install.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type Machine, missingLine, planPrerequisites } from "./prerequisite-plan.js";
import { onPath, PREREQUISITES } from "./prerequisites.js";

const machine: Machine = {
  debian: process.platform === "linux" && existsSync("/etc/debian_version") && onPath("apt-get"),
  root: process.getuid?.() === 0,
};

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function apt(args: string[]): { ok: boolean; output: string } {
  const result = spawnSync("apt-get", args, {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    encoding: "utf8",
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() };
}

/** Waits for another apt or dpkg run (another engineer's tests) instead of failing on its lock. */
const LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=600"];

function install(name: string, options: readonly string[]): void {
  const command = ["install", "-y", "-qq", ...LOCK_WAIT, ...options, name];
  process.stderr.write(
    `npm test: installing Debian's ${name} for the tests (apt-get ${command.join(" ")})\n`,
  );
  let result = apt(command);
  // A machine that never ran apt-get update has no package lists: read them once, then try again.
  if (!result.ok) {
    apt(["update", "-qq", ...LOCK_WAIT]);
    result = apt(command);
  }
  if (!result.ok) {
    fail(`npm test: apt-get install ${name} failed: ${result.output.split("\n").slice(-3).join(" | ")}`);
  }
}

const missing = PREREQUISITES.filter((item) => !item.present());
const plan = planPrerequisites(missing, machine);
if (plan.kind === "fail") fail(plan.message);
if (plan.kind === "install") {
  for (const { name, options } of plan.packages) install(name, options);
  const stillMissing = PREREQUISITES.filter((item) => !item.present());
  if (stillMissing.length > 0) fail(missingLine(stillMissing, machine));
}
