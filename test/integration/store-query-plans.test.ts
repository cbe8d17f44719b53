import { afterEach, describe, expect, it } from "vitest";
import { createKyselyStore } from "../../src/store/kysely/kysely-store.js";
import { openTestStoreDatabase, type TestStoreDatabase } from "../support/test-store-database.js";

/**
 * The plans SQLite chooses for the reads that run once per page of the whole fleet: a plan that reads every
 * agent (and sorts them) per page holds the event loop for tens of milliseconds at 10,000 agents and makes a pass
 * quadratic in the fleet. Read from EXPLAIN QUERY PLAN of the exact SQL the repository prepares.
 */
let opened: TestStoreDatabase[] = [];
afterEach(async () => {
  for (const database of opened) await database.dispose().catch(() => {});
  opened = [];
});

/** The store over a fresh SQLite file, with the SQL of every statement its connection prepares. */
async function storeRecordingStatements() {
  const database = await openTestStoreDatabase("sqlite");
  opened.push(database);
  const file = database.sqliteFile;
  if (!file) throw new Error("a SQLite store");
  const prepared: string[] = [];
  const prepare = file.prepare.bind(file);
  file.prepare = ((text: string) => {
    prepared.push(text);
    return prepare(text);
  }) as typeof file.prepare;
  const plan = (text: string) => {
    const placeholders = text.match(/\?/g)?.length ?? 0;
    const rows = prepare(`EXPLAIN QUERY PLAN ${text}`).all(...Array(placeholders).fill(0)) as Array<{
      detail: string;
    }>;
    return rows.map((row) => row.detail);
  };
  return { store: createKyselyStore(database), prepared, plan };
}

describe("SQLite query plans of the fleet-wide pages", () => {
  it("reads a page of the optimizer's agents through (status, id), without sorting the fleet", async () => {
    const { store, prepared, plan } = await storeRecordingStatements();
    await store.agents.listAutoSwitching("", 200);
    const page = prepared.find((text) => text.includes("auto_switch_enabled") && /order by/i.test(text));
    expect(page).toBeDefined();
    const steps = plan(page as string);
    expect(steps.join("\n")).toMatch(/SEARCH a USING INDEX agents_status_id \(status=\? AND id>\?\)/);
    expect(steps.join("\n")).not.toMatch(/TEMP B-TREE/);
  });
});
