import type { JobRecord } from "./job-status.js";

export interface JobRunRepository {
  list(): Promise<JobRecord[]>;
  save(record: JobRecord): Promise<void>;
}
