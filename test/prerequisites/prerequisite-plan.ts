import type { Prerequisite } from "./prerequisites.js";

export interface Machine {
  /** Debian (or a derivative) with apt-get. */
  debian: boolean;
  /** Root, so apt-get may install. */
  root: boolean;
}

export type PrerequisitePlan =
  | { kind: "ready" }
  | { kind: "install"; packages: Array<{ name: string; options: readonly string[] }> }
  | { kind: "fail"; message: string };

/**
 * What the test command does about missing prerequisites: nothing, install Debian's packages (on Debian, as
 * root), or stop at once with one line that names what to install.
 */
export function planPrerequisites(missing: readonly Prerequisite[], machine: Machine): PrerequisitePlan {
  if (missing.length === 0) return { kind: "ready" };
  const installable = missing.every((item) => item.debianPackage !== null);
  if (installable && machine.debian && machine.root) {
    return {
      kind: "install",
      packages: missing.map((item) => ({
        name: item.debianPackage as string,
        options: item.aptOptions ?? [],
      })),
    };
  }
  return { kind: "fail", message: missingLine(missing, machine) };
}

export function missingLine(missing: readonly Prerequisite[], machine: Machine): string {
  const what = missing.map((item) => `${item.name} for ${item.neededBy}`).join("; ");
  const how = missing.map((item) => item.installHint).join(" && ");
  const why =
    machine.debian && !machine.root
      ? "run npm test as root to have Debian's packages installed, or install them"
      : "install them";
  return `npm test needs ${what}: ${why} (${how}) and run it again`;
}
