import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliProcess, REPO_ROOT } from "../support/cli-process.js";

/** What `npm run build` needs of a checkout; node_modules is linked, not copied. */
const CHECKOUT = ["src", "gen", "package.json", "tsconfig.json", "tsconfig.build.json"];

/** `spot-optimizer serve` of the copy, on ephemeral ports; resolves with its "listening" line and its stderr. */
async function serve(copy: string) {
  const dataDir = mkdtempSync(join(tmpdir(), "spot-release-data-"));
  const server = new CliProcess({
    name: "server",
    script: join(copy, "src/bin/spot-optimizer.js"),
    args: ["serve", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--data-dir", dataDir],
  });
  try {
    const listening = await server.waitForLine((line) => line.msg === "listening", 30_000);
    const health = await fetch(`http://${String(listening.http)}/health`);
    return { listening, healthStatus: health.status };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// A copy of the checkout, so that building it leaves this checkout's dist/ (and the other tests) alone.
describe("the built release", () => {
  let copy: string;
  let build: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), "spot-release-"));
    for (const entry of CHECKOUT) cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
    rmSync(join(copy, "dist"), { recursive: true, force: true });
    symlinkSync(join(REPO_ROOT, "node_modules"), join(copy, "node_modules"));
    build = spawnSync(process.execPath, ["--import", "tsx", "src/tools/build-release.ts"], {
      cwd: copy,
      encoding: "utf8",
    });
  }, 300_000);

  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("npm run build compiles to dist/ with the files the code reads at run time", () => {
    expect(build.status, String(build.stderr)).toBe(0);
    expect(build.stdout).toMatch(/built dist\/ in [\d.]+ s/);
    for (const file of [
      "dist/src/cli.js",
      "dist/gen/spot/v1/agent_service.js",
      "dist/src/aws/data/spot-advisor.json",
      "dist/src/model/data/price-model.onnx",
      "dist/src/adapters/http/dashboard/assets/dashboard.js",
      "dist/build-stamp.json",
    ]) {
      expect(existsSync(join(copy, file)), file).toBe(true);
    }
    expect(existsSync(join(copy, "dist/src/bin"))).toBe(false);
  });

  it("spot-optimizer runs the compiled code when dist/ is there, and it serves", async () => {
    const run = await serve(copy);
    expect(run.listening.code).toBe("dist");
    expect(run.healthStatus).toBe(200);
  });

  it("runs the sources once a source file is newer than the build (a pull, an edit)", async () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(copy, "src/app.ts"), later, later);
    const run = await serve(copy);
    expect(run.listening.code).toBe("sources");
    expect(run.healthStatus).toBe(200);
  });
});
