import { lookup } from "node:dns/promises";
import type { HostResolver } from "../../core/webhooks/webhook-target.js";

/** Names resolved as a connection would resolve them: the system's resolver (hosts file, then DNS). */
export const systemHostResolver: HostResolver = {
  addresses: async (host) => (await lookup(host, { all: true })).map((entry) => entry.address),
};
