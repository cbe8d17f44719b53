import { z } from "zod";
import { numberOrNull, stringOrNull } from "./json-values.js";

/** A UTC day, YYYY-MM-DD. */
const day = z.iso.date();
const dayOrNull = day.nullable();
const usd = (description: string) => z.number().describe(`${description}, USD`);

/** What was paid, what on-demand would have cost over the same served time, and the difference. */
const moneyFields = {
  cost: usd("What was really paid"),
  onDemandCost: usd("What on-demand would have cost over the same time"),
  savings: usd("onDemandCost minus cost"),
};

const totals = z.object({
  ...moneyFields,
  savingsPercent: numberOrNull.describe("savings over onDemandCost, in percent; null when nothing ran"),
  instances: z.number(),
  agents: z.number(),
  instanceHours: z.number(),
  firstDay: dayOrNull.describe("First accounted day; null when nothing was accounted"),
  lastDay: dayOrNull,
});

const period = (format: z.ZodString | z.ZodISODate) =>
  z.object({ period: format, ...moneyFields, instances: z.number(), instanceHours: z.number() });

/** The Savings page's report: every instance of the client, added up by the server. */
export const savingsReportResponse = z.object({
  from: day,
  to: day,
  totals: totals.describe("Every instance over the range"),
  allTime: totals.describe("Every instance since it was first accounted, up to `to`"),
  daily: z.array(period(day)).describe("Each day of the range, oldest first, zeros where nothing ran"),
  monthly: z.array(period(z.string().regex(/^\d{4}-\d{2}$/))).describe("Each month (YYYY-MM) of the range"),
});

const shareFields = {
  ...moneyFields,
  instanceHours: z.number(),
  firstDay: day,
  lastDay: day,
};

const sharesPage = <Row extends z.ZodType>(row: Row) =>
  z.object({
    from: day,
    to: day,
    total: z.number().describe("Rows of the range, over every page"),
    offset: z.number(),
    rows: z.array(row),
  });

export const instanceSharesResponse = sharesPage(
  z.object({
    instanceId: stringOrNull,
    agentId: stringOrNull,
    logicalAgentId: stringOrNull,
    instanceType: stringOrNull,
    mode: z.enum(["spot", "ondemand", "unknown"]).nullable().describe("What the instance runs as now"),
    state: z.enum(["running", "terminated", "unmanaged"]).nullable(),
    ...shareFields,
  }),
);

export const agentSharesResponse = sharesPage(
  z.object({
    agentId: stringOrNull,
    logicalAgentId: stringOrNull,
    instances: z.number().describe("The agent's instances that ran in the range"),
    ...shareFields,
  }),
);

/** GET savings/export: every row of a range as CSV. */
export const savingsCsv = {
  raw: "text/csv",
  description: "CSV with a header row: per day, per month, per instance or per agent (`by`)",
};
