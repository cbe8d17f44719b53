import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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
import { syntheticPriceFile } from "../support/synthetic-prices.js";

const CLI = new URL("../../src/bin/spot-optimizer.js", import.meta.url).pathname;
const run = promisify(execFile);

async function cli(args: string[], cwd?: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      maxBuffer: 16 * 1024 * 1024,
      cwd,
    });
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
    expect(result.stdout).toMatch(/^validation \(2021-04-01 \.\. 2021-04-16\): rise AUC 0\.\d+/m);
    expect(result.stdout).toMatch(/^held out \(2021-04-16 \.\. 2021-04-30\): rise AUC 0\.\d+/m);
    expect(result.stdout).toMatch(/model at weight 0 \(chosen\): regret \$\d+\.\d\d/);
    expect(result.stdout).toMatch(
      /^forecast weight 0: on the validation weeks no weight saved a measurable amount/m,
    );
    expect(readFileSync(out).equals(readFileSync(BUNDLED_MODEL_PATH))).toBe(true);
    expect(readFileSync(join(dir, "model.json"), "utf8")).toBe(readFileSync(BUNDLED_CARD_PATH, "utf8"));
    expect(readFileSync(join(dir, "model.samples.json"), "utf8")).toBe(
      readFileSync(SAMPLE_FEATURES_PATH, "utf8"),
    );
  }, 600_000);

  it("trains as a user runs it: progress as it goes, a new file every time, never over the committed model", async () => {
    const work = join(dir, "user");
    mkdirSync(work);
    writeFileSync(join(work, "prices.csv.gz"), syntheticPriceFile());
    const committed = readFileSync(BUNDLED_MODEL_PATH);
    const first = await cli(["train", "--prices", "prices.csv.gz"], work);
    expect(first.code).toBe(0);
    // Progress on stderr: stages, boosting rounds with the validation loss, time left.
    expect(first.stderr).toMatch(/^train +\d+% +fit P\(rise\): round \d+\/100, validation log loss \d/m);
    expect(first.stderr).toMatch(/fit mean price: round 100\/100, validation MSE \d.*~\d+:\d\d left/);
    expect(first.stderr).toMatch(/^train 100% +backtests, held-out weeks/m);
    const second = await cli(["train", "--prices", "prices.csv.gz"], work);
    expect(second.code).toBe(0);
    const files = readdirSync(join(work, "models")).sort();
    expect(files).toEqual([
      "price-model-gbdt-v2-72h-2021-04-11-2.json",
      "price-model-gbdt-v2-72h-2021-04-11-2.onnx",
      "price-model-gbdt-v2-72h-2021-04-11-2.samples.json",
      "price-model-gbdt-v2-72h-2021-04-11.json",
      "price-model-gbdt-v2-72h-2021-04-11.onnx",
      "price-model-gbdt-v2-72h-2021-04-11.samples.json",
    ]);
    expect(first.stdout).toContain("-> models/price-model-gbdt-v2-72h-2021-04-11.onnx");
    expect(second.stdout).toContain("-> models/price-model-gbdt-v2-72h-2021-04-11-2.onnx");
    const onnx = (name: string) => readFileSync(join(work, "models", name));
    expect(
      onnx("price-model-gbdt-v2-72h-2021-04-11.onnx").equals(
        onnx("price-model-gbdt-v2-72h-2021-04-11-2.onnx"),
      ),
    ).toBe(true);
    expect(readFileSync(BUNDLED_MODEL_PATH).equals(committed)).toBe(true);
    // The card carries the validation and held-out figures, decisions in money included.
    const card = JSON.parse(
      readFileSync(join(work, "models", "price-model-gbdt-v2-72h-2021-04-11.json"), "utf8"),
    );
    expect(card.validation.decisions.weights.map((w: { weight: number }) => w.weight)).toEqual([0, 0.5, 1]);
    expect(card.validation.decisions.fleets).toEqual(["default", "2x8", "4x8", "8x16"]);
    expect(card.heldOut.quality.rise.auc).toEqual(expect.any(Number));
    expect(existsSync(join(work, "prices.csv.gz"))).toBe(true);
  }, 240_000);

  it("replays a fleet through every policy and writes the JSON the issue asks for", async () => {
    const json = join(dir, "backtest.json");
    const result = await cli([
      "backtest",
      "--prices",
      SHIPPED_PRICE_FILE,
      "--from",
      "2021-03-14",
      "--to",
      "2021-03-17",
      "--fleet",
      "2x8,4x16",
      "--policy",
      "all",
      "--seed",
      "3",
      "--perfect-forecast",
      "--json",
      json,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\| policy +\| cost \$ \| effective \$/);
    const rows = JSON.parse(readFileSync(json, "utf8")) as Array<Record<string, unknown>>;
    // The model at its own weight (0: the committed model's forecasts weigh nothing) and at full weight; hindsight.
    expect(rows.map((row) => row.policy).sort()).toEqual([
      "capacity-optimized",
      "greedy",
      "hindsight",
      "model",
      "model-forecast",
      "perfect-forecast",
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
    const row = (policy: string) => rows.find((r) => r.policy === policy) as Record<string, number | null>;
    const effective = (policy: string) => row(policy).effective_cost_usd as number;
    // Hindsight is the ceiling; headroom is measured between static (0) and it (1).
    for (const r of rows)
      expect(r.effective_cost_usd as number).toBeGreaterThanOrEqual(effective("hindsight"));
    expect(row("static").headroom_captured).toBe(0);
    expect(row("hindsight").headroom_captured).toBe(1);
    expect(row("greedy").headroom_captured).toBeCloseTo(
      (effective("static") - effective("greedy")) / (effective("static") - effective("hindsight")),
      3,
    );
    // What the forecasts earn is always shown, on the row that uses them.
    expect(row("model")).toMatchObject({ forecast_weight: 0, forecast_gain_usd: null });
    expect(row("model-forecast").forecast_weight).toBe(1);
    expect(row("model-forecast").forecast_gain_usd).toBeCloseTo(
      effective("model") - effective("model-forecast"),
      4,
    );
    expect(result.stdout).toMatch(/\| model-forecast +\|.*\| +-?\d+\.\d\d \|$/m);
    // A perfect forecast (the realised future) is the most any forecast could add: still no better than hindsight.
    expect(row("perfect-forecast").forecast_gain_usd).toBeCloseTo(
      effective("model") - effective("perfect-forecast"),
      4,
    );
    // The same seed gives the same figures; the on-demand baseline is the same for every policy.
    const json2 = join(dir, "again.json");
    const again = await cli([
      "backtest",
      "--prices",
      SHIPPED_PRICE_FILE,
      "--from",
      "2021-03-14",
      "--to",
      "2021-03-17",
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
    expect(byPolicy(pick(JSON.parse(readFileSync(json2, "utf8"))))).toEqual(byPolicy(pick(rows)));
    expect(new Set(rows.map((row) => row.ondemand_cost_usd)).size).toBe(1);
  }, 120_000);

  it("refuses bad options with one clear line", async () => {
    const noFile = await cli(["backtest", "--policy", "all"]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/--prices <file.csv.gz> is required/);
    const badPolicy = await cli(["backtest", "--prices", SHIPPED_PRICE_FILE, "--policy", "psychic"]);
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr).toMatch(
      /--policy must be one of model, rules, greedy, static, capacity-optimized, hindsight or all/,
    );
    const badWeight = await cli(["backtest", "--prices", SHIPPED_PRICE_FILE, "--forecast-weight", "2"]);
    expect(badWeight.code).toBe(2);
    expect(badWeight.stderr).toMatch(/--forecast-weight must be a number from 0 to 1, got "2"/);
    const badHorizon = await cli(["train", "--horizon", "0"]);
    expect(badHorizon.code).toBe(2);
    expect(badHorizon.stderr).toMatch(/--horizon must be a whole number of hours from 1 to 168/);
    const missing = await cli(["train", "--prices", join(dir, "nothing.csv.gz")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
  }, 60_000);
});
