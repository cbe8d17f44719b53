import type { JobRecord } from "./job-status.js";

export interface JobRunRepository {
  list(): JobRecord[];
  save(record: JobRecord): void;
}
