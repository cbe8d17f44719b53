import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const DEBIAN_ROOT = "/usr/lib/postgresql";
const INSTALL_HINT =
  "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package (apt-get install postgresql)";

/** The bin directory of the newest PostgreSQL server on this machine, or null when there is none. */
export function findPostgresBinDir(): string | null {
  if (existsSync(DEBIAN_ROOT)) {
    const versions = readdirSync(DEBIAN_ROOT)
      .filter((name) => /^\d+(\.\d+)?$/.test(name) && existsSync(join(DEBIAN_ROOT, name, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(DEBIAN_ROOT, versions[0], "bin");
  }
  // Elsewhere (a developer's machine, a non-Debian image): whatever pg_config names, then PATH.
  for (const probe of [
    ["pg_config", ["--bindir"]] as const,
    ["sh", ["-c", "dirname $(command -v initdb)"]] as const,
  ]) {
    try {
      const dir = execFileSync(probe[0], probe[1], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
      if (dir && existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) return dir;
    } catch {
      // not there: try the next way
    }
  }
  return null;
}

/**
 * Makes sure PostgreSQL's server binaries are here and returns their directory. On Debian as root a missing
 * server is installed with apt-get (as CI does for chromium); anywhere else this fails at once with one line
 * saying what to install.
 */
export function ensurePostgresInstalled(log: (line: string) => void = () => {}): string {
  const found = findPostgresBinDir();
  if (found) return found;
  const canInstall = existsSync("/etc/debian_version") && process.getuid?.() === 0;
  if (!canInstall) throw new Error(INSTALL_HINT);
  log("installing Debian's postgresql package (apt-get)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { env, stdio: ["ignore", "ignore", "inherit"] });
  execFileSync("apt-get", ["install", "-y", "-qq", "postgresql"], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const installed = findPostgresBinDir();
  if (!installed) throw new Error(INSTALL_HINT);
  return installed;
}
