/**
 * The processes of one deployment. A process joins with its node id before it serves and holds a lease it renews;
 * another live process with the same id makes the join fail (NodeIdInUseError). One process on SQLite is alone:
 * its registry always admits it.
 */
export interface NodeRegistry {
  join(): Promise<void>;
  /** Gives the lease back at a clean stop, so the id is free at once. */
  leave(): Promise<void>;
}

/** Another live process already runs with this node id. */
export class NodeIdInUseError extends Error {
  constructor(
    readonly nodeId: string,
    holder: string,
    leaseSeconds: number,
  ) {
    super(
      `node id "${nodeId}" is in use by a live process (${holder}); give this process another --node-id (SPOT_NODE_ID), or wait ${leaseSeconds} s if that process is gone`,
    );
    this.name = "NodeIdInUseError";
  }
}
