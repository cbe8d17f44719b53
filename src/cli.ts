import { parseArgs } from "node:util";
import { runAgentCommand } from "./agent/agent-command.js";
import { createApp } from "./app.js";
import { resolveSettings, SETTINGS_HELP, SettingsError } from "./config/settings.js";
import { VERSION } from "./version.js";

const USAGE = `spot-optimizer ${VERSION}: runs EC2 workloads on spot capacity and moves them before AWS takes it back

Usage:
  spot-optimizer serve [options]   start the control plane (gRPC + REST) on an embedded SQLite file
  spot-optimizer agent [options]   run the agent on an EC2 instance
  spot-optimizer backup --to FILE  copy the SQLite store consistently, while the server runs
  spot-optimizer backtest [options] replay a fleet through the decision engine on a price history, per policy
  spot-optimizer train [options]   train the spot price model on a price history and write it as ONNX
  spot-optimizer migrate-store --from <sqlite file> --to <postgres url>
                                   move a deployment's state from its SQLite file to PostgreSQL
  spot-optimizer --version
  spot-optimizer <command> --help

`;

function serveHelp(): string {
  const rows = SETTINGS_HELP.map(({ flag, env, fallback, description }) => {
    const name = flag ? `${flag} <value>` : "";
    return `  ${name.padEnd(28)} ${env.padEnd(24)} ${description}${fallback ? ` (default: ${fallback})` : ""}`;
  });
  return `Usage: spot-optimizer serve [options]

Starts the control plane: gRPC (AgentService, ReplicaService, AdminService, health, reflection) and the REST bridge.
Each option can also be set with its environment variable; a flag wins over the environment.

  ${"flag".padEnd(28)} ${"environment".padEnd(24)} meaning
${rows.join("\n")}
  ${"-h, --help".padEnd(28)} ${"".padEnd(24)} show this help
`;
}

/** A bad setting is one clear line on stderr and exit code 2. */
function failSetting(message: string): never {
  process.stderr.write(`spot-optimizer: ${message}\n`);
  process.exit(2);
}

/**
 * Connects to the PostgreSQL store and brings its schema up to date; a database that cannot be used is one
 * clear line and exit code 2, with nothing created (no data dir, no database).
 */
async function preparePostgresStore(url: string): Promise<void> {
  const { openStoreDatabase, StoreOpenError } = await import("./store/kysely/open-store-database.js");
  let store: Awaited<ReturnType<typeof openStoreDatabase>>;
  try {
    store = await openStoreDatabase({ dialect: "postgres", url });
  } catch (error) {
    if (error instanceof StoreOpenError) failSetting(error.message);
    throw error;
  }
  await store.close();
  // Until the async store contract (issue 15) is merged, the services run on the synchronous SQLite store only.
  failSetting(
    `PostgreSQL ${store.location} is ready (schema version ${store.schema.to}), but this build serves on SQLite only: unset SPOT_DATABASE_URL`,
  );
}

async function serve(argv: string[]): Promise<void> {
  const options = Object.fromEntries(
    SETTINGS_HELP.filter((setting) => setting.flag).map((setting) => [
      setting.flag.slice(2),
      { type: "string" as const },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
    });
  } catch (error) {
    failSetting(`${(error as Error).message} (see spot-optimizer serve --help)`);
  }
  if (parsed.values.help) {
    process.stdout.write(serveHelp());
    return;
  }
  let settings: ReturnType<typeof resolveSettings>;
  try {
    settings = resolveSettings({
      flags: parsed.values as Record<string, string | undefined>,
      env: process.env,
    });
  } catch (error) {
    if (error instanceof SettingsError) failSetting(error.message);
    throw error;
  }
  if (settings.databaseUrl) await preparePostgresStore(settings.databaseUrl);
  const app = createApp({ settings });
  try {
    await app.start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    failSetting(
      code === "EADDRINUSE"
        ? `address already in use: ${(error as Error).message}`
        : (error as Error).message,
    );
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`spot-optimizer: ${signal} received, stopping\n`);
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`spot-optimizer: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      await serve(rest);
      return;
    case "agent":
      await runAgentCommand(rest, failSetting);
      return;
    case "backup": {
      const { runBackupCommand } = await import("./backup-command.js");
      await runBackupCommand(rest, failSetting);
      return;
    }
    case "backtest": {
      // Loaded on demand: onnxruntime and the market replay are not needed to serve.
      const { runBacktestCommand } = await import("./sim/backtest-command.js");
      await runBacktestCommand(rest, failSetting);
      return;
    }
    case "train": {
      const { runTrainCommand } = await import("./model/training/train-command.js");
      await runTrainCommand(rest, failSetting);
      return;
    }
    case "migrate-store": {
      const { runMigrateStoreCommand } = await import("./store/move/migrate-store-command.js");
      const code = await runMigrateStoreCommand(rest, failSetting);
      if (code !== 0) process.exit(code);
      return;
    }
    case "--version":
    case "-v":
      process.stdout.write(`${VERSION}\n`);
      return;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`spot-optimizer: unknown command "${command}"\n${USAGE}`);
      process.exit(2);
  }
}

await main(process.argv.slice(2));
