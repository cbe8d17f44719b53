import { notFound } from "../errors/app-error.js";
import type { ClientContext } from "./client.js";

/**
 * For surfaces that name a client explicitly (the dashboard's `/api/client/:clientId/...` paths): the caller's
 * own client is the only one that exists for it. Any other id answers not_found, so a token never reads another
 * tenant's data and cannot even learn whether that client exists.
 */
export function requireOwnClient(caller: ClientContext, clientId: string): ClientContext {
  if (clientId !== caller.clientId) throw notFound("client");
  return caller;
}
