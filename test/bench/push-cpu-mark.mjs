// A preload for the benchmark's server that measures its CPU time per force-switch, on any version of the code
// (also one that predates the benchmark's own figure): from the first force-switch POST to 1 s after the last,
// sampled every 50 ms, written at exit to $SPOT_PUSH_CPU_DIR/<pid>.json. For interleaved A/B runs:
//   SPOT_PUSH_CPU_DIR=/tmp/marks SPOT_BENCH_SERVER_NODE_ARGS="--import $PWD/test/bench/push-cpu-mark.mjs" \
//     npm run bench -- --only push
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";

const samples = [];
const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};
let first = 0;
let last = 0;
let count = 0;
setInterval(() => samples.push([performance.now(), cpuMicros()]), 50).unref();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, request, ...rest) {
  if (event === "request" && request.method === "POST" && request.url.includes("force-switch")) {
    const now = performance.now();
    if (!first) first = now;
    last = now;
    count++;
  }
  return emit.call(this, event, request, ...rest);
};
process.on("exit", () => {
  if (count === 0 || samples.length === 0) return;
  const at = (time) => samples.reduce((found, sample) => (sample[0] <= time ? sample : found), samples[0]);
  const from = at(first);
  const to = at(last + 1000);
  const report = {
    commands: count,
    seconds: (to[0] - from[0]) / 1000,
    serverCpuMsPerCommand: (to[1] - from[1]) / 1000 / count,
  };
  writeFileSync(join(process.env.SPOT_PUSH_CPU_DIR ?? ".", `${process.pid}.json`), JSON.stringify(report));
});
