import { AppError } from "../../core/errors/app-error.js";
import type { Dialect } from "../schema/store-migration.js";

/** Connection-level failures of PostgreSQL and of the socket to it: the database is not there right now. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
]);
/** Transient conflicts PostgreSQL resolves by aborting one transaction: trying again succeeds. */
const RETRY_CODES = new Set(["40001", "40P01"]); // serialization_failure, deadlock_detected
/**
 * Text PostgreSQL cannot hold: a NUL character (SQLite stores it, PostgreSQL's text and jsonb refuse it). It can
 * only come from the request, so it is the caller's bad input, not a server error.
 */
const UNSTORABLE_TEXT_CODES = new Set(["22021", "22P05"]); // character_not_in_repertoire, untranslatable_character
// node-postgres and pg-pool report a lost or unobtainable connection without a code.
const UNREACHABLE_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
];

/**
 * A driver error the callers must be able to tell apart, as the core's error: the database is unreachable or
 * busy (unavailable: HTTP 503, nothing was written), or, on PostgreSQL, a concurrent change got there first and
 * an "at most one" constraint turned this one away (failed_precondition: HTTP 409), or text with a NUL character
 * PostgreSQL cannot take (invalid_argument: HTTP 400). Anything else, and a
 * constraint failing on SQLite (where every write is serialised, so only a bug can break one), stays as it is:
 * an internal error, logged in full. The driver's error is kept as the cause.
 */
export function translateStoreError(error: unknown, dialect: Dialect): unknown {
  if (error instanceof AppError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const translated = (appError: AppError) => Object.assign(appError, { cause: error });
  if (dialect === "postgres") {
    if (code === "23505") {
      return translated(
        new AppError(
          "failed_precondition",
          "a concurrent change got there first; read the current state and try again",
        ),
      );
    }
    if (typeof code === "string" && UNSTORABLE_TEXT_CODES.has(code)) {
      return translated(new AppError("invalid_argument", "text must not contain NUL characters"));
    }
    if (
      typeof code === "string" &&
      (RETRY_CODES.has(code) || code.startsWith("08") || UNREACHABLE_CODES.has(code))
    ) {
      return translated(new AppError("unavailable", "the database is unavailable; try again"));
    }
    if (code === undefined && UNREACHABLE_MESSAGES.some((message) => error.message.includes(message))) {
      return translated(new AppError("unavailable", "the database is unavailable; try again"));
    }
    return error;
  }
  if (typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))) {
    return translated(new AppError("unavailable", "the database is busy; try again"));
  }
  return error;
}
