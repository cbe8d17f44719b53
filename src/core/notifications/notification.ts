export type Severity = "info" | "warning" | "error";

export interface Notification {
  id: number;
  clientId: string;
  agentId: string | null;
  type: string;
  severity: Severity;
  message: string;
  read: boolean;
  createdAt: number;
}

export type NewNotification = Omit<Notification, "id" | "read" | "createdAt">;
