import { randomUUID } from "node:crypto";
import type { CallerCache } from "../auth/caller-cache.js";
import type { Clock } from "../clock/clock.js";
import { AppError, invalidArgument, notFound } from "../errors/app-error.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { NotificationService, NotificationWrites } from "../notifications/notification-service.js";
import type { SessionControl } from "../sessions/session-control.js";
import type { Store } from "../unit-of-work.js";
import { requireText } from "../validation/validate.js";
import type { Client, ClientOverview } from "./client.js";
import type { ClientRepository } from "./client-repository.js";
import { generateClientToken, hashToken, tokenPrefix } from "./client-token.js";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface CreatedClient {
  client: Client;
  /** Shown once: only its hash is stored. */
  token: string;
}

export interface TokenInfo {
  clientName: string;
  tokenPrefix: string;
  issuedAt: number;
  lastUsedAt: number | null;
}

export interface ClientServiceDeps {
  store: Store<{ clients: ClientRepository } & EventWrites & NotificationWrites>;
  clock: Clock;
  events: EventLog;
  notifications: NotificationService;
  sessions: SessionControl;
  /** The authenticator's cache of callers: a client's are forgotten before and after its token or state changes. */
  callers?: CallerCache;
}

/** Client (tenant) management for operators. */
export class ClientService {
  constructor(private readonly deps: ClientServiceDeps) {}

  async create(input: { name: string; email?: string | null }): Promise<CreatedClient> {
    const name = requireText("name", input.name, 100);
    const email = input.email?.trim() ? input.email.trim().toLowerCase() : defaultEmail(name);
    if (email.length > 254 || !EMAIL.test(email))
      throw invalidArgument(`email "${email}" is not an email address`);
    const token = generateClientToken();
    const now = this.deps.clock.now();
    const client: Client = {
      id: randomUUID(),
      name,
      email,
      active: true,
      tokenPrefix: tokenPrefix(token),
      tokenIssuedAt: now,
      tokenLastUsedAt: null,
      createdAt: now,
    };
    await this.deps.store.transaction(async (tx) => {
      if (await tx.clients.findByName(name)) {
        throw new AppError("already_exists", `a client named "${name}" already exists`);
      }
      if (await tx.clients.findByEmail(email)) {
        throw new AppError("already_exists", `a client with email "${email}" already exists`);
      }
      await tx.clients.insert({ ...client, tokenHash: hashToken(token) });
      await this.deps.events.record(tx, {
        type: "client_created",
        severity: "info",
        clientId: client.id,
        message: `Client created: ${name}`,
      });
    });
    return { client, token };
  }

  list(): Promise<ClientOverview[]> {
    return this.deps.store.clients.listOverviews();
  }

  async get(clientId: string): Promise<ClientOverview> {
    const client = await this.deps.store.clients.getOverview(clientId);
    if (!client) throw notFound("client");
    return client;
  }

  /** Deletes the client and everything it owns; its agents' streams are closed. */
  async delete(clientId: string): Promise<void> {
    this.deps.callers?.forgetClient(clientId);
    await this.deps.store.transaction(async (tx) => {
      const client = await tx.clients.findById(clientId);
      if (!client) throw notFound("client");
      await tx.clients.delete(clientId);
      await this.deps.events.record(tx, {
        type: "client_deleted",
        severity: "warning",
        message: `Client deleted: ${client.name}`,
      });
    });
    this.deps.callers?.forgetClient(clientId);
    this.deps.sessions.disconnectClient(clientId, { code: "unauthenticated", message: "client deleted" });
  }

  /**
   * Deactivates or reactivates a client. An inactive client's calls are refused (`permission_denied`) on both
   * transports and its streams are closed at once; its data is kept, and reactivation lets its agents back in.
   */
  async setActive(clientId: string, active: boolean): Promise<ClientOverview> {
    this.deps.callers?.forgetClient(clientId);
    const changed = await this.deps.store.transaction(async (tx) => {
      const client = await tx.clients.findById(clientId);
      if (!client) throw notFound("client");
      if (client.active === active) return false;
      await tx.clients.setActive(clientId, active);
      await this.deps.events.record(tx, {
        type: active ? "client_activated" : "client_deactivated",
        severity: active ? "info" : "warning",
        clientId,
        message: `Client ${client.name} ${active ? "activated" : "deactivated"}`,
      });
      return true;
    });
    this.deps.callers?.forgetClient(clientId);
    if (changed && !active) {
      this.deps.sessions.disconnectClient(clientId, {
        code: "permission_denied",
        message: "client account is not active",
      });
    }
    return this.get(clientId);
  }

  /** A new token; the old one stops working at once, including on streams it opened. */
  async regenerateToken(clientId: string): Promise<string> {
    const token = generateClientToken();
    this.deps.callers?.forgetClient(clientId);
    await this.deps.store.transaction(async (tx) => {
      const client = await tx.clients.findById(clientId);
      if (!client) throw notFound("client");
      await tx.clients.replaceToken(clientId, hashToken(token), tokenPrefix(token), this.deps.clock.now());
      await this.deps.notifications.notify(tx, {
        clientId,
        agentId: null,
        type: "token_regenerated",
        severity: "warning",
        message: `API token regenerated for client ${client.name}. Every agent needs the new token.`,
      });
      await this.deps.events.record(tx, {
        type: "token_regenerated",
        severity: "warning",
        clientId,
        message: `Token regenerated for ${client.name}`,
      });
    });
    this.deps.callers?.forgetClient(clientId);
    this.deps.sessions.disconnectClient(clientId, {
      code: "unauthenticated",
      message: "client token was regenerated",
    });
    return token;
  }

  async tokenInfo(clientId: string): Promise<TokenInfo> {
    const client = await this.deps.store.clients.findById(clientId);
    if (!client) throw notFound("client");
    return {
      clientName: client.name,
      tokenPrefix: client.tokenPrefix,
      issuedAt: client.tokenIssuedAt,
      lastUsedAt: client.tokenLastUsedAt,
    };
  }
}

function defaultEmail(name: string): string {
  const local = name
    .toLowerCase()
    .replace(/\s+/g, "_")
    .replace(/[^a-z0-9._-]/g, "");
  return `${local || "client"}@example.com`;
}
