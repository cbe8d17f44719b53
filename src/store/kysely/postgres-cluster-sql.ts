/** The database's clock in epoch milliseconds: every lease is judged by one clock, whatever the processes' are. */
export const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/** The PostgreSQL channel every process of a deployment listens on. */
export const CLUSTER_CHANNEL = "spot_cluster";
