import type { Selectable } from "kysely";
import type { InstancePeer, InstancePeerRepository } from "../../core/polling/instance-peer.js";
import type { InstancePeersTable } from "./fleet-tables.js";
import { PreparedSelect } from "./prepared-query.js";
import type { StoreBinding } from "./store-binding.js";

const toPeer = (row: Selectable<InstancePeersTable>): InstancePeer => ({
  clientId: row.client_id,
  instanceId: row.instance_id,
  agentId: row.agent_id,
  peerAddress: row.peer_address,
  seenAt: row.seen_at,
  updatedAt: row.updated_at,
});

// Every legacy heartbeat and poll tells its caller's instance from these: prepared once on SQLite, and reused
// while nothing is written (SqliteReadCache).
const peersOfAgent = new PreparedSelect<{ agentId: string }, Selectable<InstancePeersTable>>(
  (db, param) =>
    db
      .selectFrom("instance_peers")
      .selectAll()
      .where("agent_id", "=", param("agentId"))
      .orderBy("updated_at", "desc")
      .orderBy("instance_id"),
  { reads: ["instance_peers"] },
);

/** Where the agent on each instance of a polling agent calls from, written once for SQLite and PostgreSQL. */
export function createKyselyInstancePeerRepository(binding: StoreBinding): InstancePeerRepository {
  const { db } = binding;
  return {
    save: async (peer) => {
      const changes = {
        agent_id: peer.agentId,
        peer_address: peer.peerAddress,
        seen_at: peer.seenAt,
        updated_at: peer.updatedAt,
      };
      await db
        .insertInto("instance_peers")
        .values({ client_id: peer.clientId, instance_id: peer.instanceId, ...changes })
        .onConflict((conflict) => conflict.columns(["client_id", "instance_id"]).doUpdateSet(changes))
        .execute();
    },
    listByAgent: async (agentId) => (await peersOfAgent.all(binding, { agentId })).map(toPeer),
    delete: async (clientId, instanceId) => {
      await db
        .deleteFrom("instance_peers")
        .where("client_id", "=", clientId)
        .where("instance_id", "=", instanceId)
        .execute();
    },
  };
}
