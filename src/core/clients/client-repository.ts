import type { Client, ClientOverview } from "./client.js";

export interface ClientRecord extends Client {
  tokenHash: string;
}

export interface ClientRepository {
  insert(client: ClientRecord): void;
  findById(id: string): ClientRecord | undefined;
  findByName(name: string): ClientRecord | undefined;
  findByEmail(email: string): ClientRecord | undefined;
  findByTokenHash(tokenHash: string): ClientRecord | undefined;
  listOverviews(): ClientOverview[];
  getOverview(id: string): ClientOverview | undefined;
  replaceToken(id: string, tokenHash: string, tokenPrefix: string, issuedAt: number): boolean;
  markTokenUsed(id: string, at: number): void;
  setActive(id: string, active: boolean): void;
  /** Deletes the client and, by cascade, everything it owns. */
  delete(id: string): boolean;
  count(): { total: number; active: number };
  /** Clients created per UTC day since `since`, and how many existed before it. */
  createdPerDay(since: number): { before: number; days: Array<{ date: string; created: number }> };
}
