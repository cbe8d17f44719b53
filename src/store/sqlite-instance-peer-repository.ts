import type { InstancePeer, InstancePeerRepository } from "../core/polling/instance-peer.js";
import type { SqliteDatabase } from "./open-database.js";

interface InstancePeerRow {
  client_id: string;
  instance_id: string;
  agent_id: string;
  peer_address: string;
  seen_at: number | null;
  updated_at: number;
}

const toPeer = (row: InstancePeerRow): InstancePeer => ({
  clientId: row.client_id,
  instanceId: row.instance_id,
  agentId: row.agent_id,
  peerAddress: row.peer_address,
  seenAt: row.seen_at,
  updatedAt: row.updated_at,
});

export function createInstancePeerRepository(db: SqliteDatabase): InstancePeerRepository {
  const save = db.prepare(`
    INSERT INTO instance_peers (client_id, instance_id, agent_id, peer_address, seen_at, updated_at)
    VALUES (@clientId, @instanceId, @agentId, @peerAddress, @seenAt, @updatedAt)
    ON CONFLICT (client_id, instance_id) DO UPDATE SET agent_id = excluded.agent_id,
      peer_address = excluded.peer_address, seen_at = excluded.seen_at, updated_at = excluded.updated_at`);
  const byAgent = db.prepare<[string], InstancePeerRow>(
    "SELECT * FROM instance_peers WHERE agent_id = ? ORDER BY updated_at DESC, instance_id",
  );
  const remove = db.prepare("DELETE FROM instance_peers WHERE client_id = ? AND instance_id = ?");
  return {
    delete: (clientId, instanceId) => {
      remove.run(clientId, instanceId);
    },
    save: (peer) => {
      save.run(peer);
    },
    listByAgent: (agentId) => byAgent.all(agentId).map(toPeer),
  };
}
