import { z } from "zod";
import type { CleanupReport } from "../../../core/interruptions/cleanup-report.js";
import type { PricingReportInput } from "../../../core/pricing/pricing-service.js";
import type { SwitchReportInput, SwitchSideInput } from "../../../core/switches/switch-service.js";
import { presentLegacyCleanup } from "../presenters/legacy-agent-presenter.js";
import { peerOf } from "../request-auth.js";
import {
  cleanupResponse,
  pricingReportResponse,
  rebalanceResponse,
  switchReportResponse,
} from "../responses/legacy-responses.js";
import { route } from "../route-definition.js";
import { legacyId, legacyMode, legacyOptionalText, legacyPrice, legacyTime } from "./legacy-fields.js";

/** "m5.large.us-east-1a" → its type and zone (the core checks both). */
function splitPoolId(poolId: string | null | undefined) {
  const dot = poolId?.lastIndexOf(".") ?? -1;
  if (!poolId || dot <= 0) return undefined;
  return { instanceType: poolId.slice(0, dot), availabilityZone: poolId.slice(dot + 1) };
}

const text = (max: number) => z.string().max(max).nullish();

const poolEntry = z.object({
  pool_id: text(128),
  instance_type: text(64),
  az: text(64),
  availability_zone: text(64),
  price: legacyPrice,
});

/** A number, or v3.2's `{"price": …}`. */
const onDemandPrice = z.union([
  z.object({ price: legacyPrice }).transform((value) => value.price),
  legacyPrice,
]);

// current_spot_price and cheapest_pool are sent too; the server derives both from the pools.
const pricingSection = z.object({
  on_demand_price: onDemandPrice,
  spot_pools: z.array(poolEntry).max(500).nullish(),
  collected_at: legacyTime,
});

/**
 * A6: v4 sends `{instance, pricing: {on_demand_price, spot_pools, collected_at, …}}`; `prices` is read as the
 * same section, and v3.2's top-level `on_demand_price: {price}` and `spot_pools` too. A pool without a price
 * (the agent found none) is left out.
 */
const pricingBody = z
  .object({
    instance: z.object({ instance_type: text(64) }).nullish(),
    pricing: pricingSection.nullish(),
    prices: pricingSection.nullish(),
    on_demand_price: onDemandPrice,
    spot_pools: z.array(poolEntry).max(500).nullish(),
    collected_at: legacyTime,
  })
  .transform((body): PricingReportInput => {
    const section = body.pricing ?? body.prices;
    const pools = section?.spot_pools ?? body.spot_pools ?? [];
    return {
      onDemandPrice: section?.on_demand_price ?? body.on_demand_price,
      pools: pools.flatMap((pool) => {
        if (pool.price === null) return [];
        const fromId = splitPoolId(pool.pool_id);
        return [
          {
            instanceType: pool.instance_type ?? fromId?.instanceType ?? body.instance?.instance_type ?? "",
            availabilityZone: pool.az ?? pool.availability_zone ?? fromId?.availabilityZone ?? "",
            price: pool.price,
          },
        ];
      }),
      collectedAt: section?.collected_at ?? body.collected_at,
    };
  });

const switchSide = z
  .object({
    instance_id: z.string().max(32),
    instance_type: text(64),
    az: text(64),
    availability_zone: text(64),
    mode: legacyMode.nullish(),
    pool_id: text(128),
    ami_id: legacyOptionalText,
  })
  .transform((side): SwitchSideInput => {
    const fromPool = splitPoolId(side.pool_id);
    return {
      instanceId: side.instance_id,
      instanceType: side.instance_type ?? fromPool?.instanceType ?? "",
      availabilityZone: side.az ?? side.availability_zone ?? fromPool?.availabilityZone ?? "",
      mode: side.mode ?? "unknown",
      amiId: side.ami_id,
    };
  });

const switchPrices = z.object({ on_demand: legacyPrice, old_spot: legacyPrice, new_spot: legacyPrice });

/** The original server's timing names, and (second) the names agents v3.2 and v4 really send. */
const switchTiming = z.object({
  initiated_at: legacyTime,
  switch_initiated_at: legacyTime,
  ami_created_at: legacyTime,
  instance_launched_at: legacyTime,
  new_instance_launched_at: legacyTime,
  instance_ready_at: legacyTime,
  new_instance_ready_at: legacyTime,
  old_terminated_at: legacyTime,
  old_instance_terminated_at: legacyTime,
  // traffic_switched_at is sent too; the switch record has no place for it.
});

/**
 * A7: the original server read `pricing` and timing keys the agents never sent (so it stored $0 and 1970).
 * Both spellings are read here, field by field; a missing command id is matched by the core.
 */
const switchBody = z
  .object({
    old_instance: switchSide,
    new_instance: switchSide,
    prices: switchPrices.nullish(),
    pricing: switchPrices.nullish(),
    timing: switchTiming.nullish(),
    // Agents guess it from the command's priority; the control plane derives it from the command instead.
    trigger: text(32).meta({
      deprecated: true,
      description: "Ignored: the control plane derives the trigger",
    }),
    command_id: legacyId.nullish(),
  })
  .transform((body): SwitchReportInput => {
    const price = (key: keyof z.infer<typeof switchPrices>) =>
      body.prices?.[key] ?? body.pricing?.[key] ?? null;
    const timing = body.timing;
    return {
      commandId: body.command_id ?? null,
      from: body.old_instance,
      to: body.new_instance,
      timing: {
        initiatedAt: timing?.initiated_at ?? timing?.switch_initiated_at ?? null,
        imageCreatedAt: timing?.ami_created_at ?? null,
        instanceLaunchedAt: timing?.instance_launched_at ?? timing?.new_instance_launched_at ?? null,
        instanceReadyAt: timing?.instance_ready_at ?? timing?.new_instance_ready_at ?? null,
        oldTerminatedAt: timing?.old_terminated_at ?? timing?.old_instance_terminated_at ?? null,
      },
      prices: { onDemand: price("on_demand"), oldSpot: price("old_spot"), newSpot: price("new_spot") },
    };
  });

const resourceIds = z
  .array(z.string().max(128))
  .max(10_000)
  .nullish()
  .transform((ids) => ids ?? []);
const failures = z
  .array(
    z.union([
      z
        .object({ id: text(128), error: text(2000) })
        .transform((f) => ({ resourceId: f.id ?? "", error: f.error ?? "" })),
      z
        .string()
        .max(128)
        .transform((id) => ({ resourceId: id, error: "" })),
    ]),
  )
  .max(10_000)
  .nullish()
  .transform((list) => list ?? []);
/** A part of the cleanup that failed as a whole ({"error": …} instead of lists) counts as one failure. */
const partFailure = (resourceId: string, error: string | null | undefined) =>
  error ? [{ resourceId, error }] : [];

/**
 * A9 in the shape agent v4 sends (and the original monolith read): `{timestamp, snapshots: {deleted, failed,
 * cutoff_date}, amis: {deleted_amis, deleted_snapshots, failed, cutoff_date}}`. Snapshots deleted with their
 * AMIs count as deleted snapshots.
 */
const cleanupBody = z
  .object({
    timestamp: legacyTime,
    snapshots: z
      .object({ deleted: resourceIds, failed: failures, cutoff_date: legacyTime, error: text(2000) })
      .nullish(),
    amis: z
      .object({
        deleted_amis: resourceIds,
        deleted_snapshots: resourceIds,
        failed: failures,
        cutoff_date: legacyTime,
        error: text(2000),
      })
      .nullish(),
  })
  .transform(
    ({ snapshots, amis }): CleanupReport => ({
      // The original's cleanup_type: which parts the report carries (v4 always sends both: "full").
      kind: snapshots && !amis ? "snapshots" : amis && !snapshots ? "amis" : "full",
      deletedSnapshotIds: [...(snapshots?.deleted ?? []), ...(amis?.deleted_snapshots ?? [])],
      deletedImageIds: amis?.deleted_amis ?? [],
      failures: [
        ...(snapshots?.failed ?? []),
        ...(amis?.failed ?? []),
        ...partFailure("snapshots", snapshots?.error),
        ...partFailure("amis", amis?.error),
      ],
      snapshotCutoff: snapshots?.cutoff_date ?? null,
      imageCutoff: amis?.cutoff_date ?? null,
    }),
  );

const agentId = (params: { agentId: string }) => params.agentId;

/** Reports of polling agents (A6, A7, A9, A10), decoded into the inputs the stream's reports use. */
export const legacyReportRoutes = [
  route({
    method: "post",
    path: "/api/agents/:agentId/pricing-report",
    response: pricingReportResponse,
    auth: "client",
    summary: "Spot prices of the pools the agent sees and its on-demand price (A6)",
    body: pricingBody,
    handle: async ({ params, body, caller, services, context }) => {
      const { poolsCreated } = await services.polling.pricingReport(
        caller,
        agentId(params),
        body,
        peerOf(context),
      );
      return { success: true, pools: body.pools.length, pools_created: poolsCreated };
    },
  }),
  route({
    method: "post",
    path: "/api/agents/:agentId/switch-report",
    response: switchReportResponse,
    auth: "client",
    summary: "The agent moved its workload: old and new instance, prices and timing (A7)",
    body: switchBody,
    handle: async ({ params, body, caller, services, context }) => {
      const record = await services.polling.switchReport(caller, agentId(params), body, peerOf(context));
      return {
        success: true,
        switch_id: record.id,
        command_id: record.commandId,
        savings_impact: record.hourlySavings,
      };
    },
  }),
  route({
    method: "post",
    path: "/api/agents/:agentId/cleanup-report",
    response: cleanupResponse,
    auth: "client",
    summary: "Old snapshots and AMIs the agent deleted, and what it could not delete (A9)",
    body: cleanupBody,
    handle: async ({ params, body, caller, services, context }) => {
      await services.polling.cleanupReport(caller, agentId(params), body, peerOf(context));
      return presentLegacyCleanup(body);
    },
  }),
  route({
    method: "post",
    path: "/api/agents/:agentId/rebalance-recommendation",
    response: rebalanceResponse,
    auth: "client",
    summary: "AWS recommends moving off the agent's instance; recorded once per instance (A10)",
    body: z.object({
      instance_id: z.string().max(32).nullish(),
      detected_at: legacyTime,
      notice_time: legacyTime,
    }),
    handle: async ({ params, body, caller, services, context }) => {
      const signal = {
        instanceId: body.instance_id ?? "",
        action: null,
        actionAt: null,
        detectedAt: body.detected_at ?? body.notice_time,
      };
      const { interruption, duplicate } = await services.polling.rebalanceRecommendation(
        caller,
        agentId(params),
        signal,
        peerOf(context),
      );
      return {
        success: true,
        action: "monitor",
        risk_score: null,
        reason: "Recorded; a switch, when one is decided, reaches the agent as a command",
        interruption_id: interruption.id,
        duplicate,
      };
    },
  }),
];
