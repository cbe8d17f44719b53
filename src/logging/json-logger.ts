import type { LogFields, Logger, LogLevel } from "../core/logging/logger.js";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];

/** One JSON object per line on stdout: time, level, msg, then the fields. */
export function createJsonLogger(
  level: LogLevel,
  base: LogFields = {},
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const threshold = RANK[level];
  const log = (entryLevel: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[entryLevel] < threshold) return;
    write(
      `${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, msg, ...base, ...fields })}\n`,
    );
  };
  return {
    debug: (msg, fields) => log("debug", msg, fields),
    info: (msg, fields) => log("info", msg, fields),
    warn: (msg, fields) => log("warn", msg, fields),
    error: (msg, fields) => log("error", msg, fields),
    child: (fields) => createJsonLogger(level, { ...base, ...fields }, write),
  };
}
