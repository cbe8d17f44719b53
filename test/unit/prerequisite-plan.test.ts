import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { planPrerequisites } from "../prerequisites/prerequisite-plan.js";
import { onPath, type Prerequisite, postgresBinDirs } from "../prerequisites/prerequisites.js";

const chromium: Prerequisite = {
  name: "Chromium",
  neededBy: "the dashboard tests",
  debianPackage: "chromium",
  installHint: "apt-get install chromium",
  present: () => false,
};
const promtool: Prerequisite = {
  ...chromium,
  name: "promtool",
  neededBy: "the alert rules check",
  debianPackage: "prometheus",
  aptOptions: ["--no-install-recommends"],
  installHint: "apt-get install prometheus",
};
const moto: Prerequisite = {
  ...chromium,
  name: "moto_server",
  neededBy: "the EC2 tests",
  debianPackage: null,
  installHint: "pip install 'moto[server]'",
};

describe("what npm test does about a missing prerequisite", () => {
  it("does nothing when all are there", () => {
    expect(planPrerequisites([], { debian: false, root: false })).toEqual({ kind: "ready" });
  });

  it("installs Debian's packages as root on Debian, with each one's apt options", () => {
    expect(planPrerequisites([chromium, promtool], { debian: true, root: true })).toEqual({
      kind: "install",
      packages: [
        { name: "chromium", options: [] },
        { name: "prometheus", options: ["--no-install-recommends"] },
      ],
    });
  });

  it("fails with one line naming what to install when it may not install", () => {
    for (const machine of [
      { debian: true, root: false },
      { debian: false, root: true },
    ]) {
      const plan = planPrerequisites([chromium, promtool], machine);
      expect(plan.kind).toBe("fail");
      const message = (plan as { message: string }).message;
      expect(message).not.toContain("\n");
      expect(message).toContain("Chromium for the dashboard tests");
      expect(message).toContain("apt-get install chromium && apt-get install prometheus");
    }
    expect(
      (planPrerequisites([chromium], { debian: true, root: false }) as { message: string }).message,
    ).toMatch(/run npm test as root/);
  });

  it("fails at once, before installing anything, when one of them has no Debian package", () => {
    const plan = planPrerequisites([chromium, moto], { debian: true, root: true });
    expect(plan).toMatchObject({ kind: "fail" });
    expect((plan as { message: string }).message).toContain("pip install 'moto[server]'");
  });
});

describe("how a prerequisite is found", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const executable = (path: string) => writeFileSync(path, "#!/bin/sh\n", { mode: 0o755 });

  it("finds PostgreSQL's binaries only where both initdb and pg_ctl are executable", () => {
    const root = mkdtempSync(join(tmpdir(), "spot-pg-"));
    dirs.push(root);
    expect(postgresBinDirs(join(root, "absent"))).toEqual([]);
    mkdirSync(join(root, "14", "bin"), { recursive: true });
    executable(join(root, "14", "bin", "initdb"));
    expect(postgresBinDirs(root)).toEqual([]);
    mkdirSync(join(root, "15", "bin"), { recursive: true });
    executable(join(root, "15", "bin", "initdb"));
    executable(join(root, "15", "bin", "pg_ctl"));
    expect(postgresBinDirs(root)).toEqual([join(root, "15", "bin")]);
  });

  it("finds a command on the PATH only when it is executable", () => {
    const dir = mkdtempSync(join(tmpdir(), "spot-path-"));
    dirs.push(dir);
    writeFileSync(join(dir, "plain"), "", { mode: 0o644 });
    executable(join(dir, "tool"));
    expect(onPath("tool", `/nonexistent:${dir}`)).toBe(true);
    expect(onPath("plain", dir)).toBe(false);
    expect(onPath("tool", "/nonexistent")).toBe(false);
  });
});
