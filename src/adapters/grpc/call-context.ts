import type { Metadata } from "@grpc/grpc-js";

/** The bearer token of a call, from `authorization: Bearer <token>` metadata. */
export function bearerToken(metadata: Metadata): string | undefined {
  const [value] = metadata.get("authorization");
  if (typeof value !== "string") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

/** The peer's address without its port: "ipv4:127.0.0.1:53422" → "127.0.0.1". */
export function peerAddress(peer: string): string {
  const withoutScheme = peer.replace(/^(ipv4|ipv6|unix):/, "");
  if (withoutScheme.startsWith("[")) return withoutScheme.slice(1, withoutScheme.indexOf("]"));
  const lastColon = withoutScheme.lastIndexOf(":");
  return lastColon > 0 && withoutScheme.indexOf(":") === lastColon
    ? withoutScheme.slice(0, lastColon)
    : withoutScheme;
}

/** The called method as "spot.v1.AgentService/Connect" (the path without its leading slash). */
export function methodOf(call: { getPath(): string }): string {
  return call.getPath().replace(/^\//, "");
}
