export interface CleanupReport {
  deletedSnapshotIds: readonly string[];
  deletedImageIds: readonly string[];
  failures: ReadonlyArray<{ resourceId: string; error: string }>;
  snapshotCutoff: number | null;
  imageCutoff: number | null;
}

export interface CleanupRepository {
  insert(clientId: string, agentId: string, report: CleanupReport, at: number): Promise<void>;
}
