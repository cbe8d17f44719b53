import pg from "pg";

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * BIGINT (epoch-ms times, counts) and NUMERIC (what SUM and AVG of a BIGINT return) arrive as numbers, as
 * they do from SQLite: every one of ours is far below 2^53. Per pool, not pg's process-wide defaults.
 */
const parseAsNumber = (value: string) => Number(value);
export const STORE_TYPE_PARSERS = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID || oid === NUMERIC_OID
      ? parseAsNumber
      : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

export interface PostgresPoolOptions {
  /** Connections kept at most (default 10). */
  max?: number;
  /** How long a new connection may take before the attempt fails (default 5 s). */
  connectionTimeoutMillis?: number;
  /** Told about errors of idle connections (the server went away); without a listener they would crash. */
  onIdleError?: (error: Error) => void;
}

/** A pool of node-postgres connections with the type parsing every query of the store relies on. */
export function createPostgresPool(url: string, options: PostgresPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
    types: STORE_TYPE_PARSERS,
  });
  pool.on("error", (error) => options.onIdleError?.(error));
  // pg-pool listens for a connection's errors only while it is idle. A checked-out one (a transaction between two
  // statements, a job holding its advisory lock) that the server drops (PostgreSQL stopping: 57P01) would emit an
  // unhandled 'error' event and end the process; with this listener its next query fails instead, as
  // "unavailable", and the pool discards it on release.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return pool;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** One line saying why PostgreSQL could not be used, without the password or a stack. */
export function describePostgresError(error: unknown, url: string): string {
  const where = describeServer(url);
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case "ECONNREFUSED":
      return `cannot reach PostgreSQL at ${where}: connection refused`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot reach PostgreSQL at ${where}: unknown host`;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `cannot reach PostgreSQL at ${where}: ${code}`;
    case "28P01":
    case "28000":
      return `PostgreSQL at ${where} refused the login: ${message}`;
    case "3D000":
      return `PostgreSQL at ${where}: ${message} (create it first, e.g. createdb)`;
    default:
      if (/timeout/i.test(message ?? "")) return `PostgreSQL at ${where} did not answer in time`;
      return `PostgreSQL at ${where}: ${(message ?? String(error)).split("\n")[0]}`;
  }
}

function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default database)";
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}/${database}`;
  } catch {
    return "(unparseable URL)";
  }
}
