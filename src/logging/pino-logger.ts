import pino from "pino";
import type { LogFields, Logger, LogLevel } from "../core/logging/logger.js";

/**
 * The Logger port on pino: one JSON object per line, `{"level":"info","time":"<ISO>",...base,...fields,"msg"}`.
 * Written synchronously to stdout (or `destination`), so the last lines before an exit are not lost.
 */
export function createPinoLogger(
  level: LogLevel,
  base: LogFields = {},
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  return wrap(
    pino(
      {
        level,
        base,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    ),
  );
}

function wrap(logger: pino.Logger): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    child: (fields) => wrap(logger.child(fields)),
  };
}
