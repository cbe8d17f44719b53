import { parsePrometheusText, type Sample } from "../support/prometheus-text.js";

/** One scrape of the server's /metrics (admin token), as samples. */
export async function scrapeMetrics(httpUrl: string, adminToken: string): Promise<Sample[]> {
  const response = await fetch(`${httpUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (response.status !== 200) throw new Error(`GET /metrics: HTTP ${response.status}`);
  return parsePrometheusText(await response.text());
}

/** Sum of every sample of `name` whose labels include `labels`. */
export function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Counts by one label of a counter, e.g. streams by outcome. */
export function byLabel(samples: readonly Sample[], name: string, label: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) {
    const key = sample.labels[label];
    if (sample.name === name && key !== undefined) counts[key] = (counts[key] ?? 0) + sample.value;
  }
  return counts;
}

/**
 * A quantile of a Prometheus histogram between two scrapes (the observations made in between), as the upper
 * bound of the bucket it falls in, the way histogram_quantile() without interpolation reads it.
 */
export function histogramQuantile(
  before: readonly Sample[],
  after: readonly Sample[],
  name: string,
  q: number,
  labels: Record<string, string> = {},
): { le: number; count: number } {
  const buckets = new Map<number, number>();
  for (const [samples, sign] of [
    [after, 1],
    [before, -1],
  ] as const) {
    for (const sample of samples) {
      if (sample.name !== `${name}_bucket`) continue;
      if (!Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) continue;
      const le = sample.labels.le === "+Inf" ? Infinity : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sign * sample.value);
    }
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const count = sorted.at(-1)?.[1] ?? 0;
  const rank = q * count;
  const bucket = sorted.find(([, cumulative]) => cumulative >= rank && cumulative > 0);
  return { le: bucket?.[0] ?? Number.NaN, count };
}
