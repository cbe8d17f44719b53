import type { LogFields, Logger, LogLevel } from "../core/logging/logger.js";

export interface LogRateLimit {
  /** Lines of one message (same level and text) let through per window. */
  lines: number;
  windowMs: number;
}

/** A reconnect storm of 10,000 agents writes 20 "agent connected" lines and one count every 10 s. */
export const DEFAULT_LOG_RATE_LIMIT: LogRateLimit = { lines: 20, windowMs: 10_000 };

interface Budget {
  windowStart: number;
  lines: number;
  suppressed: number;
  flush: NodeJS.Timeout | undefined;
}

/**
 * Lets each message through at most `lines` times per window; the rest are counted and said in one line at the
 * window's end ("log lines suppressed", with the message and the count), so a storm cannot flood the log and
 * nothing goes unmentioned. Children share the budgets.
 */
export function rateLimitedLogger(
  inner: Logger,
  limit: LogRateLimit = DEFAULT_LOG_RATE_LIMIT,
  now: () => number = Date.now,
): Logger {
  const budgets = new Map<string, Budget>();

  const summarize = (key: string, level: LogLevel, message: string, sink: Logger) => {
    const budget = budgets.get(key);
    if (!budget) return;
    budgets.delete(key);
    clearTimeout(budget.flush);
    if (budget.suppressed > 0) {
      sink[level]("log lines suppressed", {
        message,
        suppressed: budget.suppressed,
        windowSeconds: limit.windowMs / 1000,
      });
    }
  };

  const make = (sink: Logger): Logger => {
    const log = (level: LogLevel, message: string, fields?: LogFields) => {
      const key = `${level}\u0000${message}`;
      const at = now();
      let budget = budgets.get(key);
      if (budget && at - budget.windowStart >= limit.windowMs) {
        summarize(key, level, message, sink);
        budget = undefined;
      }
      if (!budget) {
        budget = { windowStart: at, lines: 0, suppressed: 0, flush: undefined };
        budgets.set(key, budget);
      }
      if (budget.lines < limit.lines) {
        budget.lines += 1;
        sink[level](message, fields);
        return;
      }
      budget.suppressed += 1;
      if (!budget.flush) {
        const wait = Math.max(0, budget.windowStart + limit.windowMs - at);
        budget.flush = setTimeout(() => summarize(key, level, message, sink), wait);
        budget.flush.unref();
      }
    };
    return {
      debug: (message, fields) => log("debug", message, fields),
      info: (message, fields) => log("info", message, fields),
      warn: (message, fields) => log("warn", message, fields),
      error: (message, fields) => log("error", message, fields),
      child: (fields) => make(sink.child(fields)),
    };
  };
  return make(inner);
}
