import { status as GrpcStatus } from "@grpc/grpc-js";
import { AppError, type ErrorCode } from "../core/errors/app-error.js";
import type { Logger } from "../core/logging/logger.js";

/** The one table from domain error codes to transport statuses. */
export const ERROR_STATUS: Readonly<
  Record<ErrorCode, { grpc: GrpcStatus; http: 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503 }>
> = {
  invalid_argument: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 400 },
  not_found: { grpc: GrpcStatus.NOT_FOUND, http: 404 },
  already_exists: { grpc: GrpcStatus.ALREADY_EXISTS, http: 409 },
  // The request is well-formed but the current state forbids it: a conflict with the resource.
  failed_precondition: { grpc: GrpcStatus.FAILED_PRECONDITION, http: 409 },
  permission_denied: { grpc: GrpcStatus.PERMISSION_DENIED, http: 403 },
  unauthenticated: { grpc: GrpcStatus.UNAUTHENTICATED, http: 401 },
  resource_exhausted: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, http: 429 },
  payload_too_large: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, http: 413 },
  unavailable: { grpc: GrpcStatus.UNAVAILABLE, http: 503 },
  internal: { grpc: GrpcStatus.INTERNAL, http: 500 },
};

/**
 * Turns anything thrown into an AppError safe to send. A non-AppError is a bug: it is logged in full and the
 * caller only learns "internal error".
 */
export function toSafeError(error: unknown, logger: Logger, context: Record<string, unknown>): AppError {
  if (error instanceof AppError) return error;
  logger.error("unexpected error", {
    ...context,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return new AppError("internal", "internal error");
}
