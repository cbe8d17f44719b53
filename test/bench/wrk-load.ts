import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface WrkRequestSpec {
  method: "GET" | "POST";
  /** Paths the connections take turns on (round robin per wrk thread). */
  paths: readonly string[];
  body?: string;
  headers: Record<string, string>;
  /** The status every answer should have (2xx, or e.g. 404 for the yardstick). */
  expectStatus: number;
}

export interface WrkResult {
  answers: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  unexpectedStatus: number;
  errors: number;
}

/** Whether Debian's wrk is on the PATH. */
export async function wrkAvailable(): Promise<boolean> {
  try {
    await run("wrk", ["--version"]).catch((error: { stdout?: string }) => {
      // wrk --version prints its banner and exits 1.
      if (!String(error.stdout ?? "").includes("wrk")) throw error;
    });
    return true;
  } catch {
    return false;
  }
}

const luaString = (text: string) => JSON.stringify(text);

/**
 * The Lua script: requests built once at start (wrk.format), each thread walking the list from its own offset, and
 * a `done` that prints one JSON line. No `response` callback: it would make wrk parse every answer in Lua; a
 * non-2xx/3xx status is counted by wrk itself (errors.status).
 */
function script(spec: WrkRequestSpec): string {
  const headerLines = Object.entries(spec.headers)
    .map(([name, value]) => `  [${luaString(name)}] = ${luaString(value)},`)
    .join("\n");
  return `
local paths = {
${spec.paths.map((path) => `  ${luaString(path)},`).join("\n")}
}
local headers = {
${headerLines}
}
local body = ${spec.body === undefined ? "nil" : luaString(spec.body)}
local requests = {}
local counter = 0
local thread_index = 0

function setup(thread)
  thread:set("thread_index", thread_index)
  thread_index = thread_index + 1
end

function init(args)
  for i, path in ipairs(paths) do
    requests[i] = wrk.format(${luaString(spec.method)}, path, headers, body)
  end
  counter = thread_index * 7919
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

/** One wrk run of `durationSeconds` with `connections` keep-alive connections on two threads, as the issue measured. */
export async function runWrk(
  url: string,
  spec: WrkRequestSpec,
  connections: number,
  durationSeconds: number,
): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), "spot-wrk-"));
  try {
    const scriptPath = join(dir, "load.lua");
    writeFileSync(scriptPath, script(spec));
    const { stdout } = await run(
      "wrk",
      ["-t2", `-c${connections}`, `-d${durationSeconds}s`, "--timeout", "10s", "-s", scriptPath, url],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const line = stdout.split("\n").find((text) => text.startsWith("WRK_JSON "));
    if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
    const parsed = JSON.parse(line.slice("WRK_JSON ".length)) as {
      requests: number;
      duration_us: number;
      status_errors: number;
      socket_errors: number;
      p50_us: number;
      p99_us: number;
    };
    const expectsError = spec.expectStatus >= 400;
    return {
      answers: parsed.requests,
      requestsPerSecond: Math.round(parsed.requests / (parsed.duration_us / 1e6)),
      p50Ms: parsed.p50_us / 1000,
      p99Ms: parsed.p99_us / 1000,
      unexpectedStatus: expectsError ? parsed.requests - parsed.status_errors : parsed.status_errors,
      errors: parsed.socket_errors,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
