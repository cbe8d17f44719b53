import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** One row of a spot price file: the price of one pool from `at` until the pool's next row. */
export interface PriceRecord {
  /** Epoch milliseconds, UTC. */
  at: number;
  availabilityZone: string;
  instanceType: string;
  /** USD per hour. */
  price: number;
}

const COLUMNS = ["timestamp", "availability_zone", "instance_type", "spot_price_usd_per_hour"] as const;

/** A price file that cannot be read: the message names the file and the line. */
export class PriceFileError extends Error {
  override name = "PriceFileError";
}

/**
 * Reads a spot price file in the format of `spot-prices-*.csv.gz` (gzip or plain CSV): a header naming the columns
 * `timestamp` (ISO 8601, UTC), `availability_zone`, `instance_type`, `spot_price_usd_per_hour`, in any order,
 * then one row per price change as DescribeSpotPriceHistory reports it. Rows are returned oldest first.
 */
export function readPriceCsv(path: string): PriceRecord[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new PriceFileError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  const gzipped = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  let text: string;
  try {
    text = (gzipped ? gunzipSync(bytes) : bytes).toString("utf8");
  } catch {
    throw new PriceFileError(`${path} is not a valid gzip file`);
  }
  return parsePriceCsv(text, path);
}

/** Parses the CSV text of a price file (see readPriceCsv). */
export function parsePriceCsv(text: string, source = "price file"): PriceRecord[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((name) => name.trim().toLowerCase());
  const index = COLUMNS.map((column) => header.indexOf(column));
  const missing = COLUMNS.filter((_, i) => (index[i] as number) < 0);
  if (missing.length > 0) {
    throw new PriceFileError(
      `${source}: the header lacks ${missing.join(", ")} (expected ${COLUMNS.join(",")})`,
    );
  }
  const [atColumn, zoneColumn, typeColumn, priceColumn] = index as [number, number, number, number];
  const records: PriceRecord[] = [];
  let sorted = true;
  for (let line = 1; line < lines.length; line++) {
    const row = lines[line] as string;
    if (row.trim() === "") continue;
    const cells = row.split(",");
    const at = Date.parse(cells[atColumn] ?? "");
    const availabilityZone = (cells[zoneColumn] ?? "").trim();
    const instanceType = (cells[typeColumn] ?? "").trim();
    const price = Number(cells[priceColumn]);
    if (!Number.isFinite(at) || !availabilityZone || !instanceType || !Number.isFinite(price) || price < 0) {
      throw new PriceFileError(`${source}: line ${line + 1} is not a price row: "${row.slice(0, 120)}"`);
    }
    const previous = records[records.length - 1];
    if (previous && previous.at > at) sorted = false;
    records.push({ at, availabilityZone, instanceType, price });
  }
  if (records.length === 0) throw new PriceFileError(`${source}: no price rows`);
  // The shipped files are sorted; a file that is not is sorted here (stable, so equal times keep file order).
  if (!sorted) records.sort((a, b) => a.at - b.at);
  return records;
}
