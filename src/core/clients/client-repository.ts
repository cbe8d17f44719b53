import type { Client, ClientOverview } from "./client.js";

export interface ClientRecord extends Client {
  tokenHash: string;
}

export interface ClientRepository {
  insert(client: ClientRecord): Promise<void>;
  findById(id: string): Promise<ClientRecord | undefined>;
  findByName(name: string): Promise<ClientRecord | undefined>;
  findByEmail(email: string): Promise<ClientRecord | undefined>;
  findByTokenHash(tokenHash: string): Promise<ClientRecord | undefined>;
  listOverviews(): Promise<ClientOverview[]>;
  getOverview(id: string): Promise<ClientOverview | undefined>;
  replaceToken(id: string, tokenHash: string, tokenPrefix: string, issuedAt: number): Promise<boolean>;
  markTokenUsed(id: string, at: number): Promise<void>;
  setActive(id: string, active: boolean): Promise<void>;
  /** Deletes the client and, by cascade, everything it owns. */
  delete(id: string): Promise<boolean>;
  count(): Promise<{ total: number; active: number }>;
  /** Clients created per UTC day since `since`, and how many existed before it. */
  createdPerDay(since: number): Promise<{ before: number; days: Array<{ date: string; created: number }> }>;
}
