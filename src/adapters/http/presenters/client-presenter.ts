import type { ClientOverview } from "../../../core/clients/client.js";
import { isoTime, rounded } from "./legacy-values.js";

/** A client as the dashboard's client cards and the admin client list show it (C2, D5). */
export function presentClientSummary(client: ClientOverview) {
  return {
    id: client.id,
    name: client.name,
    email: client.email,
    status: client.active ? ("active" as const) : ("inactive" as const),
    agentsOnline: client.agentsOnline,
    agentsTotal: client.agentsTotal,
    instances: client.activeInstances,
    totalSavings: rounded(client.totalSavings, 2),
    lastSync: isoTime(client.lastSeenAt),
    createdAt: isoTime(client.createdAt),
  };
}
