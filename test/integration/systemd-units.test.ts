import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli-process.js";

const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";
const UNITS = join(REPO_ROOT, "deploy/systemd");
/** The fleet the README promises one control plane holds: each agent's stream is a file descriptor. */
const PROMISED_AGENTS = 10_000;

const scratch = mkdtempSync(join(tmpdir(), "spot-units-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `Key=value` settings of a unit file (the last one wins, as in systemd). */
function unitSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(match[1] as string, match[2] as string);
  }
  return settings;
}

/**
 * The unit as systemd-analyze can check it on this machine: verify also checks that ExecStart's program exists,
 * so /opt/spot-optimizer (where the release goes) is mapped to a scratch directory holding this machine's node.
 */
function verifiable(name: string, text: string): string {
  const release = join(scratch, name, "opt/spot-optimizer");
  mkdirSync(join(release, "node/bin"), { recursive: true });
  if (!existsSync(join(release, "node/bin/node")))
    symlinkSync(process.execPath, join(release, "node/bin/node"));
  let rooted = text.replaceAll("/opt/spot-optimizer", release);
  if (!existsSync("/usr/bin/node")) rooted = rooted.replaceAll("/usr/bin/node", process.execPath);
  const path = join(scratch, name, name);
  writeFileSync(path, rooted);
  return path;
}

function verify(path: string): { status: number | null; output: string } {
  const run = spawnSync(SYSTEMD_ANALYZE, ["verify", "--man=no", path], { encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

const available = existsSync(SYSTEMD_ANALYZE);

describe.skipIf(!available)("the systemd units, checked by systemd-analyze verify", () => {
  for (const name of ["spot-optimizer.service", "spot-optimizer-agent.service"]) {
    it(`${name} verifies without a warning`, () => {
      const result = verify(verifiable(name, readFileSync(join(UNITS, name), "utf8")));
      expect(result.output).toBe("");
      expect(result.status).toBe(0);
    });
  }

  it("would catch a mistake: an unknown setting and a missing program are reported", () => {
    const text = readFileSync(join(UNITS, "spot-optimizer.service"), "utf8");
    const broken = verify(
      verifiable("broken.service", text.replace("NoNewPrivileges=yes", "NoNewPrivilege=yes")),
    );
    expect(broken.output).toContain("Unknown key 'NoNewPrivilege'");
    const missing = join(scratch, "missing.service");
    writeFileSync(missing, text.replace(/^ExecStart=\S+/m, "ExecStart=/nonexistent/node"));
    expect(verify(missing).status).not.toBe(0);
  });
});

describe("what the units promise", () => {
  const server = unitSettings(readFileSync(join(UNITS, "spot-optimizer.service"), "utf8"));
  const agent = unitSettings(readFileSync(join(UNITS, "spot-optimizer-agent.service"), "utf8"));

  it("both run node itself (not npm, so SIGTERM reaches the process) from the compiled release, hardened", () => {
    for (const unit of [server, agent]) {
      expect(unit.get("ExecStart")).toMatch(
        /^\/\S+\/node \/opt\/spot-optimizer\/dist\/src\/cli\.js (serve|agent)$/,
      );
      expect(unit.get("DynamicUser")).toBe("yes");
      expect(unit.get("User")).toMatch(/^spot-optimizer/);
      expect(unit.get("ProtectSystem")).toBe("strict");
      expect(unit.get("NoNewPrivileges")).toBe("yes");
      expect(unit.get("PrivateTmp")).toBe("yes");
      expect(unit.get("StateDirectory")).toMatch(/^spot-optimizer/);
      expect(unit.get("KillSignal")).toBe("SIGTERM");
    }
  });

  it("the server keeps its data in its state directory and may hold the promised agent count", () => {
    expect(server.get("Environment")).toContain("SPOT_DATA_DIR=/var/lib/spot-optimizer");
    expect(Number(server.get("LimitNOFILE"))).toBeGreaterThan(PROMISED_AGENTS * 2);
  });

  it("the agent restarts always and reads its token from an environment file", () => {
    expect(agent.get("Restart")).toBe("always");
    expect(agent.get("StartLimitIntervalSec")).toBe("0");
    expect(agent.get("EnvironmentFile")).toBe("/etc/spot-optimizer/agent.env");
    expect(agent.get("Environment")).toContain("SPOT_AGENT_STATE=/var/lib/spot-optimizer-agent/");
  });
});
