import { describe, expect, it } from "vitest";
import { spotOptimizerProgram } from "../../src/cli/command-line.js";

describe("the spot-optimizer command line", () => {
  it("documents in each command's help every option the command takes", () => {
    const program = spotOptimizerProgram();
    expect(program.commands.map((command) => command.name())).toEqual([
      "serve",
      "agent",
      "backup",
      "client",
      "backtest",
      "train",
      "migrate-store",
    ]);
    const commands = program.commands.flatMap((command) => [command, ...command.commands]);
    for (const command of commands) {
      const help = command.helpInformation();
      const name = command.parent?.parent ? `${command.parent.name()} ${command.name()}` : command.name();
      expect(help, name).toMatch(new RegExp(`^Usage: spot-optimizer ${name}`));
      for (const option of command.options) {
        expect(help, `${command.name()} ${option.long}`).toContain(option.long as string);
      }
    }
  });
});
