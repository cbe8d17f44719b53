/** Clients on one UTC day: how many existed, how many were new that day, how many were active. */
export interface GrowthPoint {
  /** YYYY-MM-DD, UTC. */
  date: string;
  total: number;
  new: number;
  active: number;
}

export interface GrowthSnapshot extends GrowthPoint {
  /** Written after the day ended: never rewritten. */
  final: boolean;
}

export interface GrowthRepository {
  /** Creation time and active flag of every client (the input of a snapshot). */
  clientStates(): Promise<Array<{ createdAt: number; active: boolean }>>;
  /**
   * Writes the snapshot of a day: inserts it, or replaces a snapshot of that day that is not final yet. A final
   * snapshot is never rewritten. Returns whether a row was written.
   */
  save(snapshot: GrowthSnapshot): Promise<boolean>;
  /** Snapshots of the days in [fromDate, toDate], oldest first. */
  list(fromDate: string, toDate: string): Promise<GrowthSnapshot[]>;
  /** The newest snapshot, if any. */
  latest(): Promise<GrowthSnapshot | undefined>;
}
