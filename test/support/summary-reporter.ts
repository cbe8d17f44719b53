import type { Reporter, TestModule } from "vitest/node";

/** Prints one plain "N passed, N failed" line at the end of a run, for CI logs and humans. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    for (const testModule of testModules) {
      let tests = 0;
      for (const test of testModule.children.allTests()) {
        tests += 1;
        const state = test.result().state;
        if (state === "passed") passed += 1;
        else if (state === "failed") failed += 1;
      }
      // A file that failed to load has no tests to count: count the file.
      if (tests === 0 && testModule.state() === "failed") failed += 1;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  }
}
