import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { CommandLedger, CommandRecord } from "./protocol/command-ledger.js";

interface StateData {
  version: 1;
  commands: Record<string, CommandRecord>;
}

/** Finished commands remembered for de-duplication; older ones are dropped first. */
const MAX_REMEMBERED = 1_000;

/**
 * What the agent must not forget across its own restarts: which commands it started or finished, so a
 * re-delivered command is acknowledged and never executed twice. Written atomically (temp file, fsync, rename).
 */
export class AgentStateFile implements CommandLedger {
  private constructor(
    private readonly path: string,
    private data: StateData,
  ) {}

  static load(path: string): AgentStateFile {
    try {
      const parsed = JSON.parse(readFileSync(path, "utf8")) as StateData;
      if (parsed.version !== 1 || typeof parsed.commands !== "object")
        throw new Error("unknown state file format");
      return new AgentStateFile(path, parsed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        // Keep the unreadable file for a human and start afresh rather than refusing to run.
        try {
          renameSync(path, `${path}.unreadable-${Date.now()}`);
        } catch {
          // nothing to keep
        }
      }
      return new AgentStateFile(path, { version: 1, commands: {} });
    }
  }

  command(commandId: string): CommandRecord | undefined {
    return this.data.commands[commandId];
  }

  /** Finished commands whose result the server has not confirmed. */
  unreportedResults(): Array<{ commandId: string; success: boolean; message: string }> {
    return Object.entries(this.data.commands).flatMap(([commandId, record]) =>
      record.state === "done" && !record.reported
        ? [{ commandId, success: record.success ?? false, message: record.message ?? "" }]
        : [],
    );
  }

  markRunning(commandId: string): void {
    this.data.commands[commandId] = { state: "running", at: Date.now() };
    this.save();
  }

  markDone(commandId: string, success: boolean, message: string): void {
    this.data.commands[commandId] = { state: "done", success, message, reported: false, at: Date.now() };
    this.prune();
    this.save();
  }

  markReported(commandId: string): void {
    const record = this.data.commands[commandId];
    if (!record || record.reported) return;
    record.reported = true;
    this.save();
  }

  private prune(): void {
    const entries = Object.entries(this.data.commands);
    if (entries.length <= MAX_REMEMBERED) return;
    entries.sort(([, a], [, b]) => a.at - b.at);
    for (const [id, record] of entries.slice(0, entries.length - MAX_REMEMBERED)) {
      if (record.state === "done") delete this.data.commands[id];
    }
  }

  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(this.data));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }
}
