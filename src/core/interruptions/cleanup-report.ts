/** What a cleanup covered: old snapshots, old images (with their snapshots), or both (the original's types). */
export type CleanupKind = "snapshots" | "amis" | "full";

export interface CleanupReport {
  kind: CleanupKind;
  deletedSnapshotIds: readonly string[];
  deletedImageIds: readonly string[];
  failures: ReadonlyArray<{ resourceId: string; error: string }>;
  snapshotCutoff: number | null;
  imageCutoff: number | null;
}

export interface CleanupRepository {
  insert(clientId: string, agentId: string, report: CleanupReport, at: number): void;
}
