import pg from "pg";
import type { ClusterListener } from "../../core/cluster/cluster-bus.js";
import type { Logger } from "../../core/logging/logger.js";
import { CLUSTER_CHANNEL } from "./postgres-cluster-sql.js";
import { STORE_TYPE_PARSERS } from "./postgres-pool.js";

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * The one connection that LISTENs for the other processes' messages. When it breaks (the database restarts, the
 * network drops) it reconnects with a growing delay, and once it listens again the listener is told to re-read
 * what it may have missed: a notification sent while nobody listened is gone, the rows it pointed at are not.
 *
 * Messages: "c <agent>" (commands committed for the agent), "s <epoch> <node> <agent>" (the agent's session
 * claimed by a process).
 */
export class ClusterChannel {
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly nodeId: string,
    private readonly logger: Logger,
    private readonly listener: ClusterListener,
  ) {}

  /** Listens; rejects when the first connection fails (the caller decides); later failures are retried. */
  async open(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      types: STORE_TYPE_PARSERS,
      // Names the connection in pg_stat_activity (and lets a test break exactly this one).
      application_name: `spot-listen ${this.nodeId}`,
    });
    client.on("notification", (message) => this.receive(message.payload ?? ""));
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${CLUSTER_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = RETRY_MIN_MS;
  }

  private receive(payload: string): void {
    const parts = payload.split(" ");
    if (parts[0] === "c" && parts.length === 2) this.listener.commandsFor(parts[1] as string);
    else if (parts[0] === "s" && parts.length === 4) {
      this.listener.sessionClaimed(parts[3] as string, parts[2] as string, Number(parts[1]));
    }
  }

  private lost(client: pg.Client, error: Error | null): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    this.logger.warn("cluster listener lost its connection; reconnecting", {
      error: error?.message ?? "connection ended",
    });
    client.end().catch(() => {});
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().then(
        () => {
          if (!this.closed) this.listener.resubscribed();
        },
        () => {
          this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
          this.scheduleRetry();
        },
      );
    }, this.retryMs);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
