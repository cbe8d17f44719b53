import { randomUUID } from "node:crypto";
import type { Clock } from "../clock/clock.js";
import { AppError, invalidArgument, notFound } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import type { NotificationService } from "../notifications/notification-service.js";
import type { SessionControl } from "../sessions/session-control.js";
import type { Repositories } from "../unit-of-work.js";
import { requireText } from "../validation/validate.js";
import type { Client, ClientOverview } from "./client.js";
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

/** Client (tenant) management for operators. */
export class ClientService {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly events: EventLog,
    private readonly notifications: NotificationService,
    private readonly sessions: SessionControl,
  ) {}

  create(input: { name: string; email?: string | null }): CreatedClient {
    const name = requireText("name", input.name, 100);
    const email = input.email?.trim() ? input.email.trim().toLowerCase() : defaultEmail(name);
    if (email.length > 254 || !EMAIL.test(email))
      throw invalidArgument(`email "${email}" is not an email address`);
    const token = generateClientToken();
    const now = this.clock.now();
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
    this.repos.transaction(() => {
      if (this.repos.clients.findByName(name)) {
        throw new AppError("already_exists", `a client named "${name}" already exists`);
      }
      if (this.repos.clients.findByEmail(email)) {
        throw new AppError("already_exists", `a client with email "${email}" already exists`);
      }
      this.repos.clients.insert({ ...client, tokenHash: hashToken(token) });
      this.events.record({
        type: "client_created",
        severity: "info",
        clientId: client.id,
        message: `Client created: ${name}`,
      });
    });
    return { client, token };
  }

  list(): ClientOverview[] {
    return this.repos.clients.listOverviews();
  }

  get(clientId: string): ClientOverview {
    const client = this.repos.clients.getOverview(clientId);
    if (!client) throw notFound("client");
    return client;
  }

  /** Deletes the client and everything it owns; its agents' streams are closed. */
  delete(clientId: string): void {
    this.repos.transaction(() => {
      const client = this.repos.clients.findById(clientId);
      if (!client) throw notFound("client");
      this.repos.clients.delete(clientId);
      this.events.record({
        type: "client_deleted",
        severity: "warning",
        message: `Client deleted: ${client.name}`,
      });
    });
    this.sessions.disconnectClient(clientId, { code: "unauthenticated", message: "client deleted" });
  }

  /**
   * Deactivates or reactivates a client. An inactive client's calls are refused (`permission_denied`) on both
   * transports and its streams are closed at once; its data is kept, and reactivation lets its agents back in.
   */
  setActive(clientId: string, active: boolean): ClientOverview {
    const changed = this.repos.transaction(() => {
      const client = this.repos.clients.findById(clientId);
      if (!client) throw notFound("client");
      if (client.active === active) return false;
      this.repos.clients.setActive(clientId, active);
      this.events.record({
        type: active ? "client_activated" : "client_deactivated",
        severity: active ? "info" : "warning",
        clientId,
        message: `Client ${client.name} ${active ? "activated" : "deactivated"}`,
      });
      return true;
    });
    if (changed && !active) {
      this.sessions.disconnectClient(clientId, {
        code: "permission_denied",
        message: "client account is not active",
      });
    }
    return this.get(clientId);
  }

  /** A new token; the old one stops working at once, including on streams it opened. */
  regenerateToken(clientId: string): string {
    const token = generateClientToken();
    this.repos.transaction(() => {
      const client = this.repos.clients.findById(clientId);
      if (!client) throw notFound("client");
      this.repos.clients.replaceToken(clientId, hashToken(token), tokenPrefix(token), this.clock.now());
      this.notifications.notify({
        clientId,
        agentId: null,
        type: "token_regenerated",
        severity: "warning",
        message: `API token regenerated for client ${client.name}. Every agent needs the new token.`,
      });
      this.events.record({
        type: "token_regenerated",
        severity: "warning",
        clientId,
        message: `Token regenerated for ${client.name}`,
      });
    });
    this.sessions.disconnectClient(clientId, {
      code: "unauthenticated",
      message: "client token was regenerated",
    });
    return token;
  }

  tokenInfo(clientId: string): TokenInfo {
    const client = this.repos.clients.findById(clientId);
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
