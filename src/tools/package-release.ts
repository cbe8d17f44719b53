// `npm run package`: the release tarball deploy/ec2-user-data.sh installs on instances (and a server can run):
// release/spot-optimizer-<version>-linux-<arch>.tar.gz with dist/, the production node_modules (native modules
// as built here: build on the instances' OS and architecture), package.json, README.md and deploy/.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { arch, platform, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
const name = `spot-optimizer-${version}`;
const target = `${platform()}-${arch()}`;

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`package failed: ${command} ${args.join(" ")}\n`);
    process.exit(1);
  }
}

run(process.execPath, ["--import", "tsx", join(ROOT, "src/tools/build-release.ts")], ROOT);
const staging = mkdtempSync(join(tmpdir(), "spot-package-"));
try {
  const top = join(staging, name);
  mkdirSync(top);
  for (const entry of [
    "dist",
    "node_modules",
    "package.json",
    "package-lock.json",
    ".npmrc",
    "README.md",
    "deploy",
  ]) {
    cpSync(join(ROOT, entry), join(top, entry), { recursive: true, verbatimSymlinks: true });
  }
  // Production dependencies only, from the lock file; nothing is downloaded or compiled again.
  run("npm", ["prune", "--omit=dev", "--no-audit", "--no-fund"], top);
  // onnxruntime ships every platform's library; the release keeps this one's.
  const onnx = join(top, "node_modules/onnxruntime-node/bin/napi-v6");
  if (existsSync(onnx)) {
    for (const os of readdirSync(onnx)) {
      for (const cpu of readdirSync(join(onnx, os))) {
        if (`${os}-${cpu}` !== target) rmSync(join(onnx, os, cpu), { recursive: true, force: true });
      }
    }
  }
  mkdirSync(join(ROOT, "release"), { recursive: true });
  const tarball = join(ROOT, "release", `${name}-${target}.tar.gz`);
  run("tar", ["-czf", tarball, "-C", staging, name], ROOT);
  const sha256 = createHash("sha256").update(readFileSync(tarball)).digest("hex");
  process.stdout.write(
    `wrote ${relative(process.cwd(), tarball)}\nsha256 ${sha256}\n(SPOT_RELEASE_URL and SPOT_RELEASE_SHA256 of deploy/ec2-user-data.sh)\n`,
  );
} finally {
  rmSync(staging, { recursive: true, force: true });
}
