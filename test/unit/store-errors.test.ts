import { describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors/app-error.js";
import { translateStoreError } from "../../src/store/kysely/store-errors.js";

const driverError = (code: string | undefined, message = "driver text") =>
  Object.assign(new Error(message), code === undefined ? {} : { code });

describe("driver errors as the core's errors", () => {
  it.each([
    ["postgres", "23505", "failed_precondition"],
    ["postgres", "40P01", "unavailable"],
    ["postgres", "40001", "unavailable"],
    ["postgres", "08006", "unavailable"],
    ["postgres", "57P01", "unavailable"],
    ["postgres", "ECONNREFUSED", "unavailable"],
    ["postgres", "22021", "invalid_argument"],
    ["postgres", "22P05", "invalid_argument"],
    ["sqlite", "SQLITE_BUSY", "unavailable"],
    ["sqlite", "SQLITE_BUSY_SNAPSHOT", "unavailable"],
  ] as const)(
    "%s %s is %s, with the driver's error as its cause and none of its text",
    (dialect, code, expected) => {
      const original = driverError(code);
      const translated = translateStoreError(original, dialect);
      expect(translated).toBeInstanceOf(AppError);
      expect(translated).toMatchObject({ code: expected, cause: original });
      expect((translated as Error).message).not.toContain("driver text");
    },
  );

  it("knows node-postgres's lost connection by its message", () => {
    expect(
      translateStoreError(driverError(undefined, "Connection terminated unexpectedly"), "postgres"),
    ).toMatchObject({
      code: "unavailable",
    });
  });

  it("leaves everything else as it was: other codes, a SQLite constraint (only a bug breaks one), AppErrors", () => {
    for (const [dialect, code] of [
      ["postgres", "42P01"],
      ["postgres", "23503"],
      ["sqlite", "SQLITE_CONSTRAINT_UNIQUE"],
      ["sqlite", undefined],
    ] as const) {
      const original = driverError(code);
      expect(translateStoreError(original, dialect)).toBe(original);
    }
    const appError = new AppError("not_found", "agent not found");
    expect(translateStoreError(appError, "postgres")).toBe(appError);
    expect(translateStoreError("text", "postgres")).toBe("text");
  });
});
