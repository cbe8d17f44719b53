import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ServerProcess {
  child: ChildProcess;
  grpcAddress: string;
  httpUrl: string;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>;
  logs: string[];
}

const CLI = new URL("../../src/bin/spot-optimizer.js", import.meta.url).pathname;

/** The real CLI (`spot-optimizer serve`) in its own process on ephemeral ports; resolves once it listens. */
export function startServerProcess(
  dataDir: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      "serve",
      "--grpc-addr",
      "127.0.0.1:0",
      "--http-addr",
      "127.0.0.1:0",
      "--data-dir",
      dataDir,
      ...args,
    ],
    { env: { ...process.env, SPOT_LOG_LEVEL: "info", ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const logs: string[] = [];
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  child.stderr?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join("")}`)), 15_000);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${logs.join("")}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      logs.push(line);
      let entry: { msg?: string; grpc?: string; http?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === "listening" && entry.grpc && entry.http) {
        clearTimeout(timer);
        resolve({ child, grpcAddress: entry.grpc, httpUrl: `http://${entry.http}`, exited, logs });
      }
    });
  });
}
