import { type ChannelCredentials, Client, Metadata } from "@grpc/grpc-js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";

/**
 * The agent's gRPC channel. grpc-js retries a lost connection with its own backoff, growing to two minutes;
 * capping it at 10 s leaves the agent's jittered backoff (and the server's retry hints) in charge of when a
 * fleet comes back after an outage, rather than how long the outage lasted.
 */
export const AGENT_CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.initial_reconnect_backoff_ms": 1_000,
  "grpc.max_reconnect_backoff_ms": 10_000,
} as const;

/**
 * A name with several DNS records: grpc-js resolves them all and connects to one (pick_first), in an order
 * shuffled per agent so a fleet spreads over the processes; when that connection dies it tries the others.
 */
const SPREAD_OVER_RECORDS = JSON.stringify({
  loadBalancingConfig: [{ pick_first: { shuffleAddressList: true } }],
});

/**
 * The control plane's addresses (`--server a:50051,b:50051`): one stream at a time goes to one of them. The
 * agent starts at a random one (a fleet spreads over the processes) and moves to the next whenever its stream
 * ends, so a process that stops or dies loses its agents to the others at their next reconnect.
 */
export class ServerList {
  private readonly clients: Array<Client | undefined>;
  private index: number;

  constructor(
    readonly addresses: readonly string[],
    private readonly connect: (address: string) => Client,
    random: () => number = Math.random,
  ) {
    if (addresses.length === 0) throw new Error("no control-plane address");
    this.clients = addresses.map(() => undefined);
    this.index = Math.floor(random() * addresses.length) % addresses.length;
  }

  /** One client, as one address. */
  static of(client: Client): ServerList {
    return new ServerList(["(given)"], () => client);
  }

  get address(): string {
    return this.addresses[this.index] as string;
  }

  /** The client of the current address (made at first use, then kept). */
  get client(): Client {
    let client = this.clients[this.index];
    if (!client) {
      client = this.connect(this.address);
      this.clients[this.index] = client;
    }
    return client;
  }

  /** The stream ended: the next one goes to the next address. */
  advance(): void {
    this.index = (this.index + 1) % this.addresses.length;
  }

  close(): void {
    for (const client of this.clients) client?.close();
  }
}

/** `a:50051,b:50051` as its addresses. */
export function serverAddresses(servers: string): string[] {
  return servers
    .split(",")
    .map((address) => address.trim())
    .filter((address) => address !== "");
}

/** A channel of its own to the control plane (`extra` for a simulated fleet's tuning), and the call's bearer. */
export function agentChannel(
  address: string,
  token: string,
  credentials: ChannelCredentials,
  extra: Record<string, number> = {},
): { client: Client; metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  const options = { ...AGENT_CHANNEL_OPTIONS, "grpc.service_config": SPREAD_OVER_RECORDS, ...extra };
  return { client: new Client(address, credentials, options), metadata };
}

/** Channels to each of the control plane's addresses (see ServerList), and the call's bearer. */
export function agentChannels(
  servers: string,
  token: string,
  credentials: ChannelCredentials,
): { servers: ServerList; metadata: Metadata } {
  const { metadata } = agentChannel(servers, token, credentials);
  return {
    servers: new ServerList(
      serverAddresses(servers),
      (address) => agentChannel(address, token, credentials).client,
    ),
    metadata,
  };
}

/** Wall-clock time with timers that keep the process alive: an agent waiting to reconnect must not exit. */
export const processClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};
