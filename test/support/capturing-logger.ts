import type { LogFields, Logger } from "../../src/core/logging/logger.js";

/** A logger that keeps what was logged at warn and error level, for tests that must see none. */
export class CapturingLogger implements Logger {
  readonly errors: Array<{ message: string; fields?: LogFields }> = [];
  readonly warnings: Array<{ message: string; fields?: LogFields }> = [];

  debug(): void {}
  info(): void {}
  warn(message: string, fields?: LogFields): void {
    this.warnings.push({ message, fields });
  }
  error(message: string, fields?: LogFields): void {
    this.errors.push({ message, fields });
  }
  child(): Logger {
    return this;
  }

  /** Takes the errors logged so far (and forgets them). */
  drainErrors(): Array<{ message: string; fields?: LogFields }> {
    return this.errors.splice(0);
  }
}
