import type { SavingsShare } from "../../../core/savings/savings-report-repository.js";
import type { PeriodFigures } from "../../../core/savings/savings-repository.js";

/** A CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ is defused for spreadsheets. */
function field(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const line = (values: ReadonlyArray<string | number | null>) => `${values.map(field).join(",")}\r\n`;
/** Full precision: a spreadsheet's sum of the rows equals the report's totals. */
const usd = (value: number) => Number(value.toFixed(6));
const hours = (value: number) => Number(value.toFixed(4));

export const PERIOD_CSV_HEADER = line([
  "period",
  "cost_usd",
  "on_demand_cost_usd",
  "savings_usd",
  "instances",
  "instance_hours",
]);

export function periodCsvLine(figures: PeriodFigures): string {
  return line([
    figures.period,
    usd(figures.cost),
    usd(figures.baseline),
    usd(figures.savings),
    figures.instances,
    hours(figures.runHours),
  ]);
}

const FIGURES = ["cost_usd", "on_demand_cost_usd", "savings_usd", "instance_hours", "first_day", "last_day"];

export const INSTANCE_CSV_HEADER = line([
  "instance_id",
  "agent_id",
  "logical_agent_id",
  "instance_type",
  "mode",
  "state",
  ...FIGURES,
]);
export const AGENT_CSV_HEADER = line(["agent_id", "logical_agent_id", "instances", ...FIGURES]);

export function shareCsvLine(share: SavingsShare, by: "instance" | "agent"): string {
  const figures = [
    usd(share.cost),
    usd(share.baseline),
    usd(share.savings),
    hours(share.runHours),
    share.firstDay,
    share.lastDay,
  ];
  return by === "instance"
    ? line([
        share.id,
        share.agentId,
        share.logicalAgentId,
        share.instanceType,
        share.mode,
        share.state,
        ...figures,
      ])
    : line([share.agentId, share.logicalAgentId, share.instances, ...figures]);
}
