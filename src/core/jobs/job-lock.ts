/** A run this process won: it runs the job, then releases the lock. */
export interface WonJobRun {
  won: true;
  release(): Promise<void>;
}

/** A run another process holds, or already ran for this schedule time. */
export interface LostJobRun {
  won: false;
  /** The process that runs or ran it, when known. */
  ranBy: string | null;
}

/**
 * Runs each job once per schedule across the processes of a deployment: the first to claim a run (the job's
 * scheduled time `slot`, or null for a manual run) runs it while the others skip it. One process alone always
 * wins.
 */
export interface JobLock {
  claim(job: string, slot: number | null): Promise<WonJobRun | LostJobRun>;
}
