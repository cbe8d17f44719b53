import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { openStoreDatabase } from "../../src/store/kysely/open-store-database.js";
import { PostgresCluster, type PostgresClusterState, quoteIdent } from "./postgres-cluster.js";
import { CLUSTER_STATE } from "./postgres-global-setup.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A directory of this run where the shared PostgreSQL cluster is announced (see postgres-global-setup.ts). */
    postgresRunDir: string;
  }
}

/** A database migrated to the current schema once per run; each test file copies it. */
const TEMPLATE = "spot_template";
/** Written once the template is built; CLUSTER_STATE as soon as the server runs (so the teardown can stop it). */
const READY = "ready";
const FAILED = "failed.txt";
const START_TIMEOUT_MS = 120_000;

let shared: Promise<PostgresCluster> | undefined;
let databases = 0;

/**
 * The PostgreSQL cluster of this test run, shared by every test file: the first file that asks starts it
 * (and builds the migrated template), the others wait for it; the run's global teardown destroys it. A test
 * that stops or breaks the server starts its own `PostgresCluster` instead.
 */
export function sharedPostgresCluster(): Promise<PostgresCluster> {
  shared ??= startOrJoin();
  return shared;
}

/**
 * A new database on the shared cluster, for this test file: migrated to the current schema (a copy of the
 * template, which costs a file copy instead of a migration run), or empty with `{ migrated: false }`.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<string> {
  const cluster = await sharedPostgresCluster();
  databases += 1;
  const name = `t_${process.pid}_${databases}_${Math.random().toString(36).slice(2, 8)}`;
  return cluster.createDatabase(name, options.migrated === false ? "template0" : TEMPLATE);
}

/** Drops a database of the shared cluster, whoever is still connected to it (a test file's clean-up). */
export async function dropTestDatabase(url: string): Promise<void> {
  const cluster = await sharedPostgresCluster();
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await cluster.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

async function startOrJoin(): Promise<PostgresCluster> {
  const runDir = inject("postgresRunDir");
  if (!runDir)
    throw new Error("no shared PostgreSQL: vitest.config.ts must list test/support/postgres-global-setup.ts");
  try {
    mkdirSync(join(runDir, "starting"));
  } catch {
    return waitForCluster(runDir);
  }
  try {
    const cluster = await PostgresCluster.start();
    writeFileSync(join(runDir, `${CLUSTER_STATE}.tmp`), JSON.stringify(cluster.state));
    renameSync(join(runDir, `${CLUSTER_STATE}.tmp`), join(runDir, CLUSTER_STATE));
    const template = await cluster.createDatabase(TEMPLATE);
    const store = await openStoreDatabase({ dialect: "postgres", url: template });
    await store.close();
    writeFileSync(join(runDir, READY), "");
    return cluster;
  } catch (error) {
    writeFileSync(join(runDir, FAILED), String(error));
    throw error;
  }
}

async function waitForCluster(runDir: string): Promise<PostgresCluster> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const failed = readIfThere(join(runDir, FAILED));
    if (failed !== null) throw new Error(`the shared PostgreSQL cluster did not start: ${failed}`);
    const state = readIfThere(join(runDir, READY)) === null ? null : readIfThere(join(runDir, CLUSTER_STATE));
    if (state !== null) return PostgresCluster.attach(JSON.parse(state) as PostgresClusterState);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the shared PostgreSQL cluster was not ready after ${START_TIMEOUT_MS / 1000} s`);
}

function readIfThere(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
