import type { Severity } from "../notifications/notification.js";

/** An entry of the operator's activity log. */
export interface SystemEvent {
  id: number;
  type: string;
  severity: Severity;
  clientId: string | null;
  agentId: string | null;
  instanceId: string | null;
  message: string;
  metadata: Readonly<Record<string, unknown>> | null;
  createdAt: number;
}

export type NewSystemEvent = Omit<
  SystemEvent,
  "id" | "createdAt" | "clientId" | "agentId" | "instanceId" | "metadata"
> &
  Partial<Pick<SystemEvent, "clientId" | "agentId" | "instanceId" | "metadata">>;
