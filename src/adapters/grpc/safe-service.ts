import type { ServiceDefinition } from "@grpc/grpc-js";

/** A request as the handler sees it: decoded, or the reason it could not be. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * grpc-js answers INTERNAL when a request does not decode. Wrapping the deserializers lets handlers answer
 * INVALID_ARGUMENT with the reason instead, and keeps an agent's stream open after one bad message.
 */
export function withSafeDecoding(definition: ServiceDefinition): ServiceDefinition {
  const safe: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = method.requestDeserialize as (bytes: Buffer) => unknown;
    safe[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): Decoded<unknown> => {
        try {
          return { ok: true, value: decode(bytes) };
        } catch (error) {
          return { ok: false, error: error instanceof Error ? error.message : "malformed protobuf" };
        }
      },
    };
  }
  return safe as ServiceDefinition;
}
