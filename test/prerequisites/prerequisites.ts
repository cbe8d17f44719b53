import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Something outside node_modules that part of the suite needs, and how to get it. */
export interface Prerequisite {
  /** What it is, as the one-line message names it. */
  name: string;
  /** Which tests need it. */
  neededBy: string;
  /** Debian's package that provides it; null when Debian has none (the message says how to install it). */
  debianPackage: string | null;
  /** apt-get install options beyond the defaults (e.g. --no-install-recommends for a package whose extras the tests do not use). */
  aptOptions?: readonly string[];
  /** How to install it by hand, for the one line printed when the test command cannot. */
  installHint: string;
  present(): boolean;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(command: string, path = process.env.PATH ?? ""): boolean {
  return path
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => isExecutable(join(dir, command)));
}

/** Debian's PostgreSQL server binaries live in /usr/lib/postgresql/<major>/bin, outside the PATH. */
export function postgresBinDirs(root = "/usr/lib/postgresql"): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((major) => join(root, major, "bin"))
    .filter((bin) => isExecutable(join(bin, "initdb")) && isExecutable(join(bin, "pg_ctl")));
}

/** Where Debian's haproxy package puts the binary. */
export const HAPROXY = "/usr/sbin/haproxy";

/** The suite's prerequisites. A new one (a tool some tests start) is one more entry here. */
export const PREREQUISITES: readonly Prerequisite[] = [
  {
    name: "Chromium (/usr/bin/chromium)",
    neededBy: "the dashboard tests (test/e2e)",
    debianPackage: "chromium",
    installHint: "apt-get install chromium",
    present: () => isExecutable("/usr/bin/chromium"),
  },
  {
    name: "PostgreSQL server binaries (initdb, pg_ctl in /usr/lib/postgresql/*/bin)",
    neededBy: "the PostgreSQL store tests",
    debianPackage: "postgresql",
    installHint: "apt-get install postgresql",
    present: () => postgresBinDirs().length > 0,
  },
  {
    name: "promtool",
    neededBy: "the check of deploy/prometheus/alerts.yml",
    debianPackage: "prometheus",
    // The server's recommends (node exporter, SMART and IPMI tools) are not needed to run promtool.
    aptOptions: ["--no-install-recommends"],
    installHint: "apt-get install prometheus",
    present: () => onPath("promtool"),
  },
  {
    name: "HAProxy (haproxy)",
    neededBy: "the load-balancer test of several control-plane processes",
    debianPackage: "haproxy",
    installHint: "apt-get install haproxy",
    // Debian installs it in /usr/sbin, which a non-root PATH may not hold.
    present: () => isExecutable(HAPROXY) || onPath("haproxy"),
  },
  {
    name: "moto's EC2 server (moto_server)",
    neededBy: "the agent and EC2 tests",
    debianPackage: null,
    installHint: "pip install 'moto[server]'",
    present: () =>
      onPath("moto_server") ||
      spawnSync("python3", ["-c", "import moto.server"], { stdio: "ignore" }).status === 0,
  },
];
