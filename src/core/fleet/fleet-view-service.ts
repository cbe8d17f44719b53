import type { InstanceMode } from "../agents/agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { invalidArgument } from "../errors/app-error.js";
import {
  type AttentionWindow,
  FLEET_SORTS,
  type FleetFilter,
  type FleetSort,
  type FleetViewRepository,
  REACH_KINDS,
  type ReachKind,
} from "./fleet-view.js";

const HOUR_MS = 3_600_000;
/** Interruptions, failovers and failed or expired commands of the last day need attention. */
export const ATTENTION_HOURS = 24;
/** An online agent's prices are stale when it has reported none for this long. */
export const STALE_PRICE_HOURS = 2;
export const MAX_FLEET_PAGE = 500;
const STATUSES = ["online", "offline", "disabled"] as const;
const MODES: readonly InstanceMode[] = ["spot", "ondemand", "unknown"];

export interface FleetQuery {
  status?: string;
  mode?: string;
  pool?: string;
  type?: string;
  zone?: string;
  q?: string;
  attention?: boolean;
  reach?: string;
  sort?: string;
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
}

export interface FleetViewDeps {
  store: { fleetView: FleetViewRepository };
  clock: Clock;
  /** How long after its last poll a polling agent still counts as reached (the agents' liveness deadline). */
  livenessDeadlineMs: number;
}

const text = (field: string, value: string | undefined, max: number) => {
  const trimmed = value?.trim() ?? "";
  if (trimmed.length > max) throw invalidArgument(`${field} must be at most ${max} characters`);
  return trimmed || undefined;
};

/**
 * The fleet page at any size: the database filters, searches, sorts and pages the agents (so 10,000 agents cost
 * one page of rows), finds the ones that need attention, and reads the client's feed of events.
 */
export class FleetViewService {
  constructor(private readonly deps: FleetViewDeps) {}

  private window(): AttentionWindow {
    const now = this.deps.clock.now();
    return {
      since: now - ATTENTION_HOURS * HOUR_MS,
      pricesBefore: now - STALE_PRICE_HOURS * HOUR_MS,
      polledSince: now - this.deps.livenessDeadlineMs,
    };
  }

  async list(caller: ClientContext, query: FleetQuery) {
    const status = text("status", query.status, 16);
    if (status && !STATUSES.includes(status as (typeof STATUSES)[number])) {
      throw invalidArgument(`status must be one of ${STATUSES.join(", ")}`);
    }
    const mode = text("mode", query.mode, 16);
    if (mode && !MODES.includes(mode as InstanceMode))
      throw invalidArgument(`mode must be one of ${MODES.join(", ")}`);
    const reach = text("reach", query.reach, 16);
    if (reach && !REACH_KINDS.includes(reach as ReachKind))
      throw invalidArgument(`reach must be one of ${REACH_KINDS.join(", ")}`);
    const sort = (query.sort ?? "name") as FleetSort;
    if (!FLEET_SORTS.includes(sort)) throw invalidArgument(`sort must be one of ${FLEET_SORTS.join(", ")}`);
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FLEET_PAGE) {
      throw invalidArgument(`limit must be an integer from 1 to ${MAX_FLEET_PAGE}`);
    }
    if (!Number.isInteger(offset) || offset < 0) throw invalidArgument("offset must be a whole number");
    const filter: FleetFilter = {
      status: status as FleetFilter["status"],
      mode: mode as InstanceMode | undefined,
      pool: text("pool", query.pool, 200),
      instanceType: text("type", query.type, 64),
      zone: text("zone", query.zone, 64),
      search: text("q", query.q, 200),
      attention: query.attention === true,
      reach: reach as ReachKind | undefined,
    };
    const found = await this.deps.store.fleetView.page(caller.clientId, filter, this.window(), {
      sort,
      descending: query.order === "desc",
      limit,
      offset,
    });
    return { ...found, offset, limit };
  }

  async attention(caller: ClientContext, limit = 100) {
    return await this.deps.store.fleetView.attention(
      caller.clientId,
      this.window(),
      Math.min(Math.max(limit, 1), 500),
    );
  }

  async summary(caller: ClientContext) {
    return await this.deps.store.fleetView.summary(caller.clientId);
  }

  async facets(caller: ClientContext) {
    return await this.deps.store.fleetView.facets(caller.clientId);
  }

  async feed(caller: ClientContext, limit: number, beforeId: number | null) {
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw invalidArgument("limit must be from 1 to 200");
    return await this.deps.store.fleetView.feed(caller.clientId, limit, beforeId);
  }
}
