import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { NodeIdInUseError } from "../../src/core/cluster/node-registry.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const CLI = new URL("../../src/bin/spot-optimizer.js", import.meta.url).pathname;
const run = promisify(execFile);
const started: TestApp[] = [];

async function node(nodeId: string, first?: TestApp): Promise<TestApp> {
  const app = await startTestApp({
    store: "postgres",
    dataDir: first?.dataDir,
    jobDriver: "off",
    settings: { nodeId, ...(first ? { databaseUrl: first.databaseUrl } : {}) },
  });
  started.push(app);
  return app;
}

afterAll(async () => {
  const [first, ...others] = started;
  for (const app of others.reverse()) await app.stop().catch(() => {});
  await first?.dispose();
});

describe("processes on one PostgreSQL, each with a node id", { timeout: 90_000 }, () => {
  it("each process names itself in /health and /metrics", async () => {
    const a = await node("cp-a");
    const b = await node("cp-b", a);
    expect((await rest(a.httpUrl, "GET", "/health")).body.node).toBe("cp-a");
    expect((await rest(b.httpUrl, "GET", "/health")).body.node).toBe("cp-b");
    const metrics = await rest(b.httpUrl, "GET", "/metrics", { token: b.adminToken });
    expect(metrics.body).toContain('spot_node_info{node="cp-b"} 1');
  });

  it("a second live process with the same node id refuses to start; the id is free once the first stops", async () => {
    const [a] = started as [TestApp];
    await expect(node("cp-b", a)).rejects.toThrow(NodeIdInUseError);
    await expect(node("cp-b", a)).rejects.toThrow(
      /node id "cp-b" is in use by a live process \(pid \d+ on .+\); give this process another --node-id/,
    );
    await started[1]?.stop();
    started.splice(1, 1);
    const again = await node("cp-b", a);
    expect((await rest(again.httpUrl, "GET", "/health")).body.node).toBe("cp-b");
  });

  it("serve: the same node id is one clear line and exit code 2", async () => {
    const [a] = started as [TestApp];
    const env = { ...process.env, SPOT_DATABASE_URL: a.databaseUrl ?? "", SPOT_DATA_DIR: a.dataDir };
    const failure = await run(
      process.execPath,
      [CLI, "serve", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--node-id", "cp-a"],
      { env },
    ).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/^spot-optimizer: node id "cp-a" is in use by a live process .*\n$/);
  });

  it("a node id with spaces or slashes is refused with the flag's name", async () => {
    const failure = await run(process.execPath, [CLI, "serve", "--node-id", "a b/c"], {
      env: { ...process.env, SPOT_DATABASE_URL: "" },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('--node-id must be 1 to 64 letters, digits, ".", "-" or "_"');
  });
});
