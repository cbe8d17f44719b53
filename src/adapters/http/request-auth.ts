import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import type { ClientContext } from "../../core/clients/client.js";
import type { CoreServices } from "../../core/core-services.js";

function bearer(context: Context): string | undefined {
  const header = context.req.header("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export function peerOf(context: Context): string {
  try {
    return getConnInfo(context).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Authenticates per the route's auth kind; returns the client caller for client routes. `route` names the route
 * in the trail of refusals ("GET /api/client/:clientId"), never the concrete path with its ids. Synchronous when
 * nothing waits (open and admin routes, a client caller already cached).
 */
export function authenticateRequest(
  context: Context,
  auth: "none" | "client" | "admin",
  services: CoreServices,
  route: string,
): ClientContext | undefined | Promise<ClientContext> {
  if (auth === "none") return undefined;
  const origin = { peer: peerOf(context), where: route };
  if (auth === "admin") {
    services.authenticator.authenticateAdmin(bearer(context), origin);
    return undefined;
  }
  return services.authenticator.authenticateClient(bearer(context), origin);
}
