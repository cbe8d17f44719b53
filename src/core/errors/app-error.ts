/** The closed set of domain error codes; src/adapters/error-map.ts maps each to a gRPC and an HTTP status. */
export const ERROR_CODES = [
  "invalid_argument",
  "not_found",
  "already_exists",
  "failed_precondition",
  "permission_denied",
  "unauthenticated",
  "resource_exhausted",
  // A request larger than the transport accepts (a JSON body over 1 MiB, a model over 64 MiB).
  "payload_too_large",
  "unavailable",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The one error type the core throws. `message` is safe to show to the caller: it never carries exception
 * text, SQL or stack traces. Anything thrown that is not an AppError is a bug and answers "internal error".
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra fields for the response body, e.g. the current state that made a precondition fail. */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const invalidArgument = (message: string, details?: Record<string, unknown>) =>
  new AppError("invalid_argument", message, details);
export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const failedPrecondition = (message: string, details?: Record<string, unknown>) =>
  new AppError("failed_precondition", message, details);
