import { readFileSync } from "node:fs";

interface PriceFile {
  region: string;
  prices: Record<string, number>;
}

// Public on-demand list prices (Linux, USD per hour). Only us-east-1 ships today; other regions answer unknown.
const TABLES: ReadonlyMap<string, Readonly<Record<string, number>>> = new Map(
  ["ondemand-prices-us-east-1.json"].map((file) => {
    const table = JSON.parse(readFileSync(new URL(`./data/${file}`, import.meta.url), "utf8")) as PriceFile;
    return [table.region, table.prices];
  }),
);

/** The on-demand list price of a type in a region, or null when the shipped tables do not know it. */
export function onDemandListPrice(region: string, instanceType: string): number | null {
  return TABLES.get(region)?.[instanceType] ?? null;
}
