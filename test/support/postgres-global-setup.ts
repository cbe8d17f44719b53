import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { PostgresCluster, type PostgresClusterState } from "./postgres-cluster.js";

/** The file of the run directory that describes the running shared cluster. */
export const CLUSTER_STATE = "cluster.json";

/**
 * Gives the run a directory where the shared PostgreSQL cluster is announced. The cluster itself starts only
 * when a test file asks for it (see shared-postgres.ts), so a run without such a file pays nothing; the
 * teardown destroys it.
 */
export default function setup(project: TestProject): () => Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), "spot-pg-run-"));
  project.provide("postgresRunDir", runDir);
  return async () => {
    try {
      const state = JSON.parse(readFileSync(join(runDir, CLUSTER_STATE), "utf8")) as PostgresClusterState;
      await PostgresCluster.attach(state).destroy();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  };
}
