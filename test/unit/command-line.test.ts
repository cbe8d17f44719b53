import { describe, expect, it } from "vitest";
import { spotOptimizerProgram } from "../../src/cli/command-line.js";

describe("the spot-optimizer command line", () => {
  it("documents in each command's help every option the command takes", () => {
    const program = spotOptimizerProgram();
    expect(program.commands.map((command) => command.name())).toEqual([
      "serve",
      "agent",
      "backup",
      "backtest",
      "train",
      "migrate-store",
    ]);
    for (const command of program.commands) {
      const help = command.helpInformation();
      expect(help, command.name()).toMatch(new RegExp(`^Usage: spot-optimizer ${command.name()}`));
      for (const option of command.options) {
        expect(help, `${command.name()} ${option.long}`).toContain(option.long as string);
      }
    }
  });
});
