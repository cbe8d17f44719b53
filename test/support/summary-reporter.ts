import type { SerializedError } from "vitest";
import type { Reporter, TestModule } from "vitest/node";

export interface RunSummary {
  passed: number;
  failed: number;
  /** Files that failed outside any test (load error, a failed beforeAll / afterAll): "file: first error". */
  brokenFiles: string[];
  /** The same counts per vitest project (one per store), in the order the projects first appear. */
  projects: Array<{ name: string; passed: number; failed: number }>;
}

/**
 * Counts a run the way vitest's exit code judges it: every failed test, plus every file that failed outside its
 * tests (it did not load, or a hook failed and its tests were skipped), plus every unhandled error.
 */
export function summarize(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError> = [],
): RunSummary {
  const summary: RunSummary = { passed: 0, failed: unhandledErrors.length, brokenFiles: [], projects: [] };
  const projects = new Map<string, { name: string; passed: number; failed: number }>();
  for (const testModule of testModules) {
    const name = testModule.project.name;
    let project = projects.get(name);
    if (!project) {
      project = { name, passed: 0, failed: 0 };
      projects.set(name, project);
    }
    let passed = 0;
    let failed = 0;
    for (const test of testModule.children.allTests()) {
      const state = test.result().state;
      if (state === "passed") passed += 1;
      else if (state === "failed") failed += 1;
    }
    if (failed === 0 && testModule.state() === "failed") {
      failed = 1;
      const error = firstError(testModule);
      const where = name ? `[${name}] ` : "";
      summary.brokenFiles.push(`${where}${testModule.relativeModuleId}${error ? `: ${error}` : ""}`);
    }
    summary.passed += passed;
    summary.failed += failed;
    project.passed += passed;
    project.failed += failed;
  }
  summary.projects = [...projects.values()];
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

/**
 * Prints one plain "N passed, N failed" line at the end of a run (red when anything failed), for CI and humans:
 * the whole run, every project (store) together. With several projects, a line per project comes first.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const { passed, failed, brokenFiles, projects } = summarize(testModules, unhandledErrors);
    const details = brokenFiles.map((file) => `failed outside its tests: ${file}\n`).join("");
    const perProject =
      projects.length > 1
        ? projects.map((project) => `${project.name}: ${project.passed} passed, ${project.failed} failed\n`)
        : [];
    const line = `${passed} passed, ${failed} failed`;
    const painted = colour() ? `${failed > 0 ? RED : GREEN}${line}${RESET}` : line;
    process.stdout.write(`\n${details}${perProject.join("")}${painted}\n`);
  }
}
