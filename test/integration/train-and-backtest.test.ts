import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  BUNDLED_CARD_PATH,
  BUNDLED_MODEL_PATH,
  SAMPLE_FEATURES_PATH,
} from "../../src/model/bundled-model.js";
import { SHIPPED_PRICE_FILE } from "../../src/replay/market-replay.js";

const CLI = new URL("../../src/bin/spot-optimizer.js", import.meta.url).pathname;
const run = promisify(execFile);

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** The real `spot-optimizer train` and `backtest` commands in child processes, on the shipped prices. */
describe("train and backtest commands", () => {
  const dir = mkdtempSync(join(tmpdir(), "spot-train-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rebuilds the committed model from the shipped data, byte for byte", async () => {
    const out = join(dir, "model.onnx");
    const result = await cli(["train", "--out", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/held-out rise: AUC 0\.\d+/);
    expect(readFileSync(out).equals(readFileSync(BUNDLED_MODEL_PATH))).toBe(true);
    expect(readFileSync(join(dir, "model.json"), "utf8")).toBe(readFileSync(BUNDLED_CARD_PATH, "utf8"));
    expect(readFileSync(join(dir, "model.samples.json"), "utf8")).toBe(
      readFileSync(SAMPLE_FEATURES_PATH, "utf8"),
    );
  }, 240_000);

  it("replays a fleet through every policy and writes the JSON the issue asks for", async () => {
    const json = join(dir, "backtest.json");
    const result = await cli([
      "backtest",
      "--prices",
      SHIPPED_PRICE_FILE,
      "--from",
      "2021-04-01",
      "--to",
      "2021-04-04",
      "--fleet",
      "2x8,4x16",
      "--policy",
      "all",
      "--seed",
      "3",
      "--json",
      json,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\| policy +\| cost \$ \| effective \$/);
    const rows = JSON.parse(readFileSync(json, "utf8")) as Array<Record<string, unknown>>;
    expect(rows.map((row) => row.policy).sort()).toEqual([
      "capacity-optimized",
      "greedy",
      "model",
      "rules",
      "static",
    ]);
    for (const row of rows) {
      for (const key of [
        "cost_usd",
        "ondemand_cost_usd",
        "effective_cost_usd",
        "savings_pct",
        "interruptions",
        "interruptions_per_1000h",
        "switches",
        "ondemand_hours",
        "instance_hours",
      ]) {
        expect(typeof row[key]).toBe("number");
      }
      expect(row.instance_hours).toBe(2 * 72);
      expect(row.effective_cost_usd as number).toBeGreaterThanOrEqual(row.cost_usd as number);
    }
    // The same seed gives the same figures; the on-demand baseline is the same for every policy.
    const json2 = join(dir, "again.json");
    const again = await cli([
      "backtest",
      "--prices",
      SHIPPED_PRICE_FILE,
      "--from",
      "2021-04-01",
      "--to",
      "2021-04-04",
      "--fleet",
      "2x8,4x16",
      "--seed",
      "3",
      "--policy",
      "static,greedy",
      "--json",
      json2,
    ]);
    expect(again.code).toBe(0);
    const pick = (list: Array<Record<string, unknown>>) =>
      list.filter((row) => row.policy === "static" || row.policy === "greedy");
    const byPolicy = (list: Array<Record<string, unknown>>) =>
      [...list].sort((a, b) => String(a.policy).localeCompare(String(b.policy)));
    expect(byPolicy(JSON.parse(readFileSync(json2, "utf8")))).toEqual(byPolicy(pick(rows)));
    expect(new Set(rows.map((row) => row.ondemand_cost_usd)).size).toBe(1);
  }, 120_000);

  it("refuses bad options with one clear line", async () => {
    const noFile = await cli(["backtest", "--policy", "all"]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/--prices <file.csv.gz> is required/);
    const badPolicy = await cli(["backtest", "--prices", SHIPPED_PRICE_FILE, "--policy", "psychic"]);
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr).toMatch(
      /--policy must be one of model, rules, greedy, static, capacity-optimized or all/,
    );
    const missing = await cli(["train", "--prices", join(dir, "nothing.csv.gz")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
  });
});
