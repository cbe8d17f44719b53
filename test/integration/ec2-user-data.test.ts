import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { arch, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli-process.js";

const SCRIPT = join(REPO_ROOT, "deploy/ec2-user-data.sh");
const TOKEN = "spot_0123456789abcdefghij";
const scratch = mkdtempSync(join(tmpdir(), "spot-user-data-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

function executable(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** A .tar.gz of `files` under one top directory, as `npm run package` and nodejs.org lay theirs out. */
function tarball(
  name: string,
  top: string,
  files: Record<string, string>,
  modes: Record<string, number> = {},
) {
  const source = join(scratch, `${name}-source`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(source, top, path)), { recursive: true });
    writeFileSync(join(source, top, path), text, { mode: modes[path] ?? 0o644 });
  }
  const file = join(scratch, `${name}.tar.gz`);
  const tar = spawnSync("tar", ["-czf", file, "-C", source, top]);
  expect(tar.status).toBe(0);
  return file;
}

const release = tarball("release", "spot-optimizer-0.1.0", {
  "dist/src/cli.js": "// the compiled CLI\n",
  "package.json": '{ "name": "spot-optimizer", "version": "0.1.0" }\n',
  "README.md": "# Spot Optimizer\n",
});

/** Runs the user data against a fresh root directory, with `path` (a list of bin directories) as the PATH. */
function runUserData(env: Record<string, string>, path: string[] = [dirname(process.execPath)]) {
  const root = mkdtempSync(join(scratch, "root-"));
  const run = spawnSync("bash", [SCRIPT], {
    encoding: "utf8",
    env: {
      PATH: [...path, "/usr/sbin", "/usr/bin", "/sbin", "/bin"].join(":"),
      INSTALL_ROOT: root,
      SPOT_SERVER: "control-plane.internal:50051",
      SPOT_TOKEN: TOKEN,
      SPOT_RELEASE_URL: `file://${release}`,
      SPOT_RELEASE_SHA256: sha256(release),
      ...env,
    },
  });
  return { root, status: run.status, stderr: run.stderr };
}

describe("deploy/ec2-user-data.sh, run against a scratch root (no network)", () => {
  it("installs the release, writes the environment file 0600 and the unit, and enables it", () => {
    const run = runUserData({ SPOT_AGENT_ID: "web-1" });
    expect(run.stderr).toContain("spot-optimizer-agent installed and enabled");
    expect(run.status).toBe(0);
    const { root } = run;

    expect(readFileSync(join(root, "opt/spot-optimizer/dist/src/cli.js"), "utf8")).toBe(
      "// the compiled CLI\n",
    );
    // The image's Node fits (this machine's), so it is linked rather than downloaded.
    expect(readlinkSync(join(root, "opt/spot-optimizer/node/bin/node"))).toBe(process.execPath);

    const envFile = join(root, "etc/spot-optimizer/agent.env");
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const settings = readFileSync(envFile, "utf8")
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line));
    expect(settings).toEqual([
      "SPOT_SERVER=control-plane.internal:50051",
      `SPOT_TOKEN=${TOKEN}`,
      "SPOT_TLS=true",
      "SPOT_AGENT_ID=web-1",
    ]);

    // The unit it writes is the one in deploy/systemd, byte for byte, and it is enabled for the next boot.
    const unit = join(root, "etc/systemd/system/spot-optimizer-agent.service");
    expect(readFileSync(unit, "utf8")).toBe(
      readFileSync(join(REPO_ROOT, "deploy/systemd/spot-optimizer-agent.service"), "utf8"),
    );
    const wants = join(root, "etc/systemd/system/multi-user.target.wants/spot-optimizer-agent.service");
    expect(lstatSync(wants).isSymbolicLink()).toBe(true);
  });

  it("downloads Node, checked against its SHASUMS256.txt, when the image has none that fits", () => {
    const nodeArch = arch() === "arm64" ? "arm64" : "x64";
    const name = `node-v20.20.2-linux-${nodeArch}`;
    const dist = join(scratch, "nodejs-dist", "v20.20.2");
    mkdirSync(dist, { recursive: true });
    const node = tarball(name, name, { "bin/node": "#!/bin/sh\necho v20.20.2\n" }, { "bin/node": 0o755 });
    spawnSync("cp", [node, join(dist, `${name}.tar.gz`)]);
    writeFileSync(join(dist, "SHASUMS256.txt"), `${sha256(node)}  ${name}.tar.gz\n`);
    // An old Node on the image's PATH.
    const oldNode = join(scratch, "old-node-bin");
    executable(join(oldNode, "node"), "#!/bin/sh\necho v18.19.0\n");

    const run = runUserData({ NODE_DIST_URL: `file://${join(scratch, "nodejs-dist")}` }, [oldNode]);
    expect(run.stderr).toContain("installing Node 20.20.2");
    expect(run.status).toBe(0);
    const installed = join(run.root, "opt/spot-optimizer/node/bin/node");
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(spawnSync(installed, ["--version"], { encoding: "utf8" }).stdout.trim()).toBe("v20.20.2");

    writeFileSync(join(dist, "SHASUMS256.txt"), `${"0".repeat(64)}  ${name}.tar.gz\n`);
    const tampered = runUserData({ NODE_DIST_URL: `file://${join(scratch, "nodejs-dist")}` }, [oldNode]);
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toContain("Node 20.20.2: checksum mismatch");
  });

  it("reads the token from an SSM parameter with the AWS CLI when told to", () => {
    const fakeAws = join(scratch, "aws-bin");
    const calls = join(scratch, "aws-calls");
    // AWS itself cannot run here: a stand-in CLI that records its arguments and answers the parameter's value.
    executable(join(fakeAws, "aws"), `#!/bin/sh\necho "$@" >> ${calls}\necho spot_fromparameterstore123\n`);
    const run = runUserData({ SPOT_TOKEN: "", SPOT_TOKEN_SSM_PARAMETER: "/spot/token" }, [
      fakeAws,
      dirname(process.execPath),
    ]);
    expect(run.status).toBe(0);
    expect(readFileSync(calls, "utf8")).toContain("ssm get-parameter --name /spot/token --with-decryption");
    expect(readFileSync(join(run.root, "etc/spot-optimizer/agent.env"), "utf8")).toContain(
      "SPOT_TOKEN=spot_fromparameterstore123",
    );
  });

  it("refuses without a server, with a tampered release or a malformed token, and writes no settings or unit", () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ SPOT_SERVER: "" }, "set SPOT_SERVER"],
      [{ SPOT_RELEASE_SHA256: "f".repeat(64) }, "the release does not match SPOT_RELEASE_SHA256"],
      [{ SPOT_TOKEN: "short" }, "the token does not look like a client token"],
      [{ SPOT_SERVER: "cp.internal:50051\nSPOT_TOKEN=x" }, "SPOT_SERVER must be host:port"],
    ];
    for (const [env, message] of cases) {
      const run = runUserData(env);
      expect(run.stderr).toContain(message);
      expect(run.status).toBe(1);
      expect(existsSync(join(run.root, "etc/spot-optimizer/agent.env"))).toBe(false);
      expect(existsSync(join(run.root, "etc/systemd/system/spot-optimizer-agent.service"))).toBe(false);
    }
  });
});
