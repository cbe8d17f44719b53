export interface CommandRecord {
  state: "running" | "done";
  success?: boolean;
  message?: string;
  /** The server confirmed it has the result. */
  reported?: boolean;
  at: number;
}

/**
 * Which commands the agent started or finished, so a re-delivered command is acknowledged and never executed
 * twice: the agent keeps it in a file (AgentStateFile) to survive its own restarts; a simulated agent in memory.
 */
export interface CommandLedger {
  command(commandId: string): CommandRecord | undefined;
  /** Finished commands whose result the server has not confirmed. */
  unreportedResults(): Array<{ commandId: string; success: boolean; message: string }>;
  markRunning(commandId: string): void;
  markDone(commandId: string, success: boolean, message: string): void;
  markReported(commandId: string): void;
}

/** A ledger that lives as long as the process (simulated and test agents). */
export class MemoryCommandLedger implements CommandLedger {
  private readonly records = new Map<string, CommandRecord>();

  command(commandId: string): CommandRecord | undefined {
    return this.records.get(commandId);
  }

  unreportedResults(): Array<{ commandId: string; success: boolean; message: string }> {
    return [...this.records].flatMap(([commandId, record]) =>
      record.state === "done" && !record.reported
        ? [{ commandId, success: record.success ?? false, message: record.message ?? "" }]
        : [],
    );
  }

  markRunning(commandId: string): void {
    this.records.set(commandId, { state: "running", at: Date.now() });
  }

  markDone(commandId: string, success: boolean, message: string): void {
    this.records.set(commandId, { state: "done", success, message, reported: false, at: Date.now() });
  }

  markReported(commandId: string): void {
    const record = this.records.get(commandId);
    if (record) record.reported = true;
  }
}
