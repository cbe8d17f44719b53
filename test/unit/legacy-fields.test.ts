import { describe, expect, it } from "vitest";
import {
  legacyMode,
  legacyOptionalText,
  legacyPrice,
  legacyTime,
} from "../../src/adapters/http/routes/legacy-fields.js";

const at = Date.UTC(2025, 10, 24, 10, 0, 0, 123);

describe("legacy field decoders", () => {
  it("reads the times Python agents write, a time without zone as UTC", () => {
    for (const text of [
      "2025-11-24T10:00:00.123456+00:00", // datetime.now(timezone.utc).isoformat()
      "2025-11-24T10:00:00.123456Z", // datetime.utcnow().isoformat() + "Z"
      "2025-11-24T10:00:00.123456", // datetime.utcnow().isoformat()
      "2025-11-24 10:00:00.123",
      "2025-11-24T11:00:00.123+01:00",
    ]) {
      expect(legacyTime.parse(text), text).toBe(at);
    }
    expect(legacyTime.parse(at / 1000)).toBe(at); // time.time()
    expect(legacyTime.parse(at)).toBe(at);
  });

  it("reads absent, null and empty as unknown, and refuses anything else", () => {
    expect(legacyTime.parse(undefined)).toBeNull();
    expect(legacyTime.parse(null)).toBeNull();
    expect(legacyTime.parse("")).toBeNull();
    for (const bad of ["01/01/1970", "yesterday", "2025-13-45T99:99:99Z", "Mon, 24 Nov 2025 10:00:00 GMT"]) {
      expect(legacyTime.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("reads prices as numbers or numeric strings", () => {
    expect(legacyPrice.parse(0.0416)).toBe(0.0416);
    expect(legacyPrice.parse("0.0416")).toBe(0.0416);
    expect(legacyPrice.parse(null)).toBeNull();
    expect(legacyPrice.parse(undefined)).toBeNull();
    expect(legacyPrice.safeParse("$0.04").success).toBe(false);
  });

  it("reads modes in any spelling and metadata placeholders as unknown", () => {
    expect(legacyMode.parse("On-Demand")).toBe("ondemand");
    expect(legacyMode.parse("SPOT")).toBe("spot");
    expect(legacyMode.safeParse("reserved").success).toBe(false);
    expect(legacyOptionalText.parse("unknown")).toBeNull();
    expect(legacyOptionalText.parse(null)).toBeNull();
    expect(legacyOptionalText.parse(" 10.0.0.1 ")).toBe("10.0.0.1");
  });
});
