import { describe, expect, it } from "vitest";
import {
  DEFAULT_JOB_SETTINGS,
  jobScheduleVariable,
  resolveJobSettings,
} from "../../src/config/job-settings.js";
import { resolveSettings, SettingsError } from "../../src/config/settings.js";

describe("job settings", () => {
  it("defaults to the documented schedules and retention ages", () => {
    expect(resolveSettings({ flags: {}, env: {} }).jobs).toEqual(DEFAULT_JOB_SETTINGS);
    expect(DEFAULT_JOB_SETTINGS.schedules["health-monitor"]).toBe("*/5 * * * * *");
    expect(DEFAULT_JOB_SETTINGS.retention).toEqual({ pricesDays: 90, eventsDays: 90, decisionsDays: 30 });
  });

  it("takes a schedule per job from SPOT_JOB_<NAME>, off for on-demand only, and retention ages", () => {
    expect(jobScheduleVariable("pricing-aggregation")).toBe("SPOT_JOB_PRICING_AGGREGATION");
    const settings = resolveJobSettings({
      SPOT_JOB_SAVINGS: "0 */30 * * * *",
      SPOT_JOB_RETENTION: "off",
      SPOT_RETAIN_PRICES_DAYS: "30",
      SPOT_RETAIN_EVENTS_DAYS: "365",
    });
    expect(settings.schedules.savings).toBe("0 */30 * * * *");
    expect(settings.schedules.retention).toBeNull();
    expect(settings.schedules["command-expiry"]).toBe("*/10 * * * * *");
    expect(settings.retention).toEqual({ pricesDays: 30, eventsDays: 365, decisionsDays: 30 });
  });

  it.each([
    [{ SPOT_JOB_SAVINGS: "every hour" }, /SPOT_JOB_SAVINGS must be a cron pattern/],
    [{ SPOT_RETAIN_PRICES_DAYS: "0" }, /SPOT_RETAIN_PRICES_DAYS must be a whole number of days/],
    [{ SPOT_RETAIN_EVENTS_DAYS: "1.5" }, /SPOT_RETAIN_EVENTS_DAYS/],
  ])("refuses %o with a clear message", (env, message) => {
    expect(() => resolveSettings({ flags: {}, env })).toThrow(SettingsError);
    expect(() => resolveSettings({ flags: {}, env })).toThrow(message);
  });
});
