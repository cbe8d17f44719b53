import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HAPROXY, onPath } from "../prerequisites/prerequisites.js";
import { REPO_ROOT } from "./server-process.js";

/**
 * The README's HAProxy example (the block after "A layer-4 load balancer"), made to serve here: bound to
 * 127.0.0.1:`port` instead of :50051, and its example servers replaced by `backends` (host:port each).
 */
export function readmeHaproxyConfig(port: number, backends: readonly string[]): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const block = /\*\*A layer-4 load balancer\.\*\*[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block?.includes("bind :50051"))
    throw new Error("README.md: no HAProxy example with `bind :50051` found");
  const lines = block.split("\n").filter((line) => !/^\s*server\s/.test(line));
  const servers = backends.map(
    (address, index) => `    server cp${index + 1} ${address} check inter 2s fall 2 rise 2`,
  );
  return `${[...lines.filter((line) => line.trim() !== ""), ...servers]
    .join("\n")
    .replace("bind :50051", `bind 127.0.0.1:${port}`)}\n`;
}

/** HAProxy in the foreground with the given configuration, in a temp dir of its own; `stop()` ends it. */
export class Haproxy {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly output: string[],
  ) {}

  static async start(config: string, port: number, timeoutMs = 15_000): Promise<Haproxy> {
    const binary = onPath("haproxy") ? "haproxy" : HAPROXY;
    const dir = mkdtempSync(join(tmpdir(), "spot-haproxy-"));
    const file = join(dir, "haproxy.cfg");
    writeFileSync(file, config);
    const child = spawn(binary, ["-db", "-f", file], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    const haproxy = new Haproxy(child, dir, output);
    const deadline = Date.now() + timeoutMs;
    while (!(await accepts(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await haproxy.stop();
        throw new Error(`haproxy did not start: ${output.join("").trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return haproxy;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
