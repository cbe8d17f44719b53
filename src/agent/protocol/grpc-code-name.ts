import { status } from "@grpc/grpc-js";

/** "UNAVAILABLE" rather than 14 in the logs; null when there is no code. */
export function grpcCodeName(code: number | undefined): string | null {
  if (code === undefined) return null;
  return status[code] ?? String(code);
}
