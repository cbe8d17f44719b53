export interface Client {
  id: string;
  name: string;
  email: string;
  active: boolean;
  /** The first characters of the current token, to tell tokens apart; the token itself is stored hashed. */
  tokenPrefix: string;
  tokenIssuedAt: number;
  tokenLastUsedAt: number | null;
  createdAt: number;
}

/** A client with the figures the admin lists show. */
export interface ClientOverview extends Client {
  agentsTotal: number;
  agentsOnline: number;
  activeInstances: number;
  totalSavings: number;
  lastSeenAt: number | null;
}

/** Who is calling a client surface: resolved from the bearer token, passed to every tenant-scoped use case. */
export interface ClientContext {
  clientId: string;
  clientName: string;
}
