// Reads a savings route's answer (C18 or C20) as bars. The routes come from the savings accounting work; this
// reads the shapes the original dashboard used and says so when an answer has none of them.

const KEYS = {
  daily: ["daily", "daily_savings", "dailySavings", "days", "savingsByDay"],
  monthly: ["monthly", "monthly_savings", "monthlySavings", "months", "savingsTrend", "savingsByMonth"],
};

const numberOf = (value) =>
  typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;

/** @returns {Array<{label: string, value: number}> | null} null when the answer has no series */
export function savingsSeries(answer, range) {
  const list = Array.isArray(answer) ? answer : KEYS[range].map((key) => answer?.[key]).find(Array.isArray);
  if (!list) return null;
  return list
    .map((item) => ({
      label: String(item?.date ?? item?.day ?? item?.month ?? item?.name ?? item?.period ?? ""),
      value: numberOf(
        item?.savings ?? item?.saved ?? item?.totalSavings ?? item?.total_savings ?? item?.value,
      ),
    }))
    .filter((bar) => bar.label && Number.isFinite(bar.value));
}
