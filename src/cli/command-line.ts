import { Command, CommanderError } from "@commander-js/extra-typings";
import { VERSION } from "../version.js";
import { AGENT_HELP, agentCommand } from "./agent-cli.js";
import { BACKTEST_HELP, backtestCommand } from "./backtest-cli.js";
import { BACKUP_HELP, backupCommand } from "./backup-cli.js";
import { CLIENT_HELP, clientCommand } from "./client-cli.js";
import { MIGRATE_STORE_HELP, migrateStoreCommand } from "./migrate-store-cli.js";
import { SERVE_HELP, serveCommand } from "./serve-cli.js";
import { TRAIN_HELP, trainCommand } from "./train-cli.js";

export const USAGE = `spot-optimizer ${VERSION}: runs EC2 workloads on spot capacity and moves them before AWS takes it back

Usage:
  spot-optimizer serve [options]   start the control plane (gRPC + REST) on SQLite or PostgreSQL
  spot-optimizer agent [options]   run the agent on an EC2 instance
  spot-optimizer client create NAME
                                   create a client in the local store and print its token (to sign in)
  spot-optimizer backup --to FILE  copy the SQLite store consistently, while the server runs
  spot-optimizer backtest [options] replay a fleet through the decision engine on a price history, per policy
  spot-optimizer train [options]   train the spot price model on a price history and write it as ONNX
  spot-optimizer migrate-store --from <sqlite file> --to <postgres url>
                                   move a deployment's state from its SQLite file to PostgreSQL
  spot-optimizer --version
  spot-optimizer <command> --help

`;

/** A mistake on the command line: one line on stderr, exit code 2. */
function fail(message: string): never {
  process.stderr.write(`spot-optimizer: ${message}\n`);
  process.exit(2);
}

/** The parser's message on one line, as a sentence, with its "did you mean" and where the help is. */
function oneLine(error: CommanderError, command: string | undefined): string {
  const [first = "", ...rest] = error.message.replace(/^error: /, "").split("\n");
  const suggestion = rest.join(" ").replace(/^\(Did you mean (.*)\?\)$/, " (did you mean $1?)");
  const help = command ? ` (see spot-optimizer ${command} --help)` : "";
  return `${first.charAt(0).toUpperCase()}${first.slice(1)}${suggestion}${help}`;
}

/**
 * The `spot-optimizer` program (commander): one subcommand each, with typed options, its own help text (the
 * settings' table for serve and agent) and "did you mean" for a mistyped command or option. A mistake is one
 * line and exit code 2; a subcommand's own module is loaded only when it runs.
 */
export function spotOptimizerProgram(): Command {
  const program = new Command("spot-optimizer")
    .version(VERSION, "-v, --version")
    .configureHelp({ formatHelp: () => USAGE })
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  const subcommands: Array<[Command, string]> = [
    [serveCommand(fail), SERVE_HELP],
    [agentCommand(fail), AGENT_HELP],
    [backupCommand(fail), BACKUP_HELP],
    [clientCommand(fail), CLIENT_HELP],
    [backtestCommand(fail), BACKTEST_HELP],
    [trainCommand(fail), TRAIN_HELP],
    [migrateStoreCommand(fail), MIGRATE_STORE_HELP],
  ];
  for (const [command, help] of subcommands) {
    const name = command.name();
    command
      .helpOption("-h, --help", "show this help")
      .configureHelp({ formatHelp: () => help })
      .configureOutput({ outputError: () => {} })
      .exitOverride((error) => {
        throw Object.assign(error, { subcommand: name });
      });
    program.addCommand(command);
  }
  return program;
}

/** Runs the command line; returns once a command that serves (serve, agent) is up, or another has finished. */
export async function runCommandLine(argv: string[]): Promise<void> {
  if (argv.length === 0) {
    process.stdout.write(USAGE);
    return;
  }
  try {
    await spotOptimizerProgram().parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help and the version were written to stdout: nothing went wrong.
    if (error.exitCode === 0) return;
    if (error.code === "commander.unknownCommand") {
      const name = /'([^']*)'/.exec(error.message)?.[1] ?? "";
      const suggestion = /\(Did you mean (.*)\?\)/.exec(error.message)?.[1];
      process.stderr.write(
        `spot-optimizer: unknown command "${name}"${suggestion ? ` (did you mean ${suggestion}?)` : ""}\n${USAGE}`,
      );
      process.exit(2);
    }
    fail(oneLine(error, (error as CommanderError & { subcommand?: string }).subcommand));
  }
}
