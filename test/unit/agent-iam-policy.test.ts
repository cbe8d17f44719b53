import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli-process.js";

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const policy = JSON.parse(readFileSync(join(REPO_ROOT, "deploy/iam/agent-policy.json"), "utf8")) as {
  Version: string;
  Statement: Statement[];
};
const list = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat());

/** The EC2 SDK calls in the code the agent runs (src/aws, src/agent): `new XCommand(...)`, with what each passes. */
function ec2Calls(): Map<string, { tagsOnCreate: boolean; passesRole: boolean }> {
  const calls = new Map<string, { tagsOnCreate: boolean; passesRole: boolean }>();
  for (const dir of ["src/aws", "src/agent"]) {
    for (const file of readdirSync(join(REPO_ROOT, dir)).filter((name) => name.endsWith(".ts"))) {
      const source = readFileSync(join(REPO_ROOT, dir, file), "utf8");
      if (!source.includes("@aws-sdk/client-ec2")) continue;
      // Each call's text runs to the next `new `: enough to see the parameters it passes.
      for (const chunk of source.split(/\bnew /).slice(1)) {
        const name = /^(\w+)Command\(/.exec(chunk)?.[1];
        if (!name) continue;
        const known = calls.get(name) ?? { tagsOnCreate: false, passesRole: false };
        calls.set(name, {
          tagsOnCreate: known.tagsOnCreate || chunk.includes("TagSpecifications"),
          passesRole: known.passesRole || chunk.includes("IamInstanceProfile"),
        });
      }
    }
  }
  return calls;
}

describe("the agent's IAM policy (deploy/iam/agent-policy.json)", () => {
  const calls = ec2Calls();
  const actions = new Set(policy.Statement.flatMap((statement) => list(statement.Action)));

  it("finds the agent's EC2 calls in the source", () => {
    expect([...calls.keys()]).toEqual(
      expect.arrayContaining(["RunInstances", "TerminateInstances", "CreateImage"]),
    );
  });

  it("allows every EC2 action the agent calls, and no other EC2 action but tagging what it creates", () => {
    const called = [...calls.keys()].map((name) => `ec2:${name}`).sort();
    const allowed = [...actions].filter((action) => action.startsWith("ec2:") && action !== "ec2:CreateTags");
    expect(allowed.sort()).toEqual(called);
    for (const action of actions) expect(action).not.toContain("*");
  });

  it("lets it tag only what it creates, on the calls that tag on creation", () => {
    const tagging = [...calls].filter(([, call]) => call.tagsOnCreate).map(([name]) => name);
    const statements = policy.Statement.filter((statement) =>
      list(statement.Action).includes("ec2:CreateTags"),
    );
    expect(statements).toHaveLength(tagging.length > 0 ? 1 : 0);
    expect(list(statements[0]?.Condition?.StringEquals?.["ec2:CreateAction"]).sort()).toEqual(tagging.sort());
  });

  it("passes a role only to EC2, and only because a launch copies the instance profile", () => {
    const passesRole = [...calls.values()].some((call) => call.passesRole);
    const statements = policy.Statement.filter((statement) =>
      list(statement.Action).includes("iam:PassRole"),
    );
    expect(statements).toHaveLength(passesRole ? 1 : 0);
    expect(statements[0]?.Condition?.StringEquals?.["iam:PassedToService"]).toBe("ec2.amazonaws.com");
    expect([...actions].filter((action) => !action.startsWith("ec2:"))).toEqual(["iam:PassRole"]);
  });

  it("terminates, images and launches only instances tagged ManagedBy=SpotOptimizer", () => {
    const onInstances = (action: string) =>
      policy.Statement.filter(
        (statement) =>
          list(statement.Action).includes(action) &&
          list(statement.Resource).some((r) => r.includes(":instance/")),
      );
    for (const action of ["ec2:TerminateInstances", "ec2:CreateImage"]) {
      const [statement] = onInstances(action);
      expect(statement?.Condition?.StringEquals?.["ec2:ResourceTag/ManagedBy"]).toBe("SpotOptimizer");
    }
    expect(onInstances("ec2:RunInstances")[0]?.Condition?.StringEquals?.["aws:RequestTag/ManagedBy"]).toBe(
      "SpotOptimizer",
    );
    // The agent's own tag is what those conditions look for.
    const tags = readFileSync(join(REPO_ROOT, "src/agent/capacity-actions.ts"), "utf8");
    expect(tags).toContain('const MANAGED_BY = "SpotOptimizer"');
    expect(tags).toMatch(/ManagedBy: MANAGED_BY/);
    expect(policy.Statement.every((statement) => statement.Effect === "Allow")).toBe(true);
    expect(policy.Version).toBe("2012-10-17");
  });
});
