import type { SerializedError } from "vitest";
import type { Reporter, TestModule } from "vitest/node";

export interface RunSummary {
  passed: number;
  failed: number;
  /** Files that failed outside any test (load error, a failed beforeAll / afterAll): "file: first error". */
  brokenFiles: string[];
}

/**
 * Counts a run the way vitest's exit code judges it: every failed test, plus every file that failed outside its
 * tests (it did not load, or a hook failed and its tests were skipped), plus every unhandled error.
 */
export function summarize(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError> = [],
): RunSummary {
  const summary: RunSummary = { passed: 0, failed: unhandledErrors.length, brokenFiles: [] };
  for (const testModule of testModules) {
    let failedTests = 0;
    for (const test of testModule.children.allTests()) {
      const state = test.result().state;
      if (state === "passed") summary.passed += 1;
      else if (state === "failed") failedTests += 1;
    }
    summary.failed += failedTests;
    if (failedTests === 0 && testModule.state() === "failed") {
      summary.failed += 1;
      const error = firstError(testModule);
      summary.brokenFiles.push(`${testModule.relativeModuleId}${error ? `: ${error}` : ""}`);
    }
  }
  return summary;
}

/** The module's own error, else the first error of a suite whose hook failed. */
function firstError(testModule: TestModule): string | undefined {
  const errors = [...testModule.errors(), ...[...testModule.children.allSuites()].flatMap((s) => s.errors())];
  const message = errors[0]?.message;
  return message?.split("\n")[0];
}

const RED = "\u001b[31m";
const GREEN = "\u001b[32m";
const RESET = "\u001b[0m";

function colour(): boolean {
  if (process.env.NO_COLOR) return false;
  return Boolean(process.env.FORCE_COLOR) || process.stdout.isTTY === true;
}

/** Prints one plain "N passed, N failed" line at the end of a run (red when anything failed), for CI and humans. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const { passed, failed, brokenFiles } = summarize(testModules, unhandledErrors);
    const details = brokenFiles.map((file) => `failed outside its tests: ${file}\n`).join("");
    const line = `${passed} passed, ${failed} failed`;
    const painted = colour() ? `${failed > 0 ? RED : GREEN}${line}${RESET}` : line;
    process.stdout.write(`\n${details}${painted}\n`);
  }
}
