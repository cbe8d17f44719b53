import { Command } from "@commander-js/extra-typings";
import { resolveSettings, SETTINGS, type Settings } from "../config/settings.js";
import { addSettingOptions, commandSettings, settingsHelp } from "./setting-options.js";

export const SERVE_HELP = settingsHelp(
  `Usage: spot-optimizer serve [options]

Starts the control plane: gRPC (AgentService, ReplicaService, AdminService, health, reflection) and the REST bridge.
Each option can also be set with its environment variable; a flag wins over the environment.
`,
  SETTINGS,
  { flag: 28, env: 24 },
);

/** `spot-optimizer serve`: runs until SIGTERM or SIGINT; exit 2 on a bad setting or a listener it cannot open. */
export function serveCommand(fail: (message: string) => never): Command {
  const command = new Command("serve").summary(
    "start the control plane (gRPC + REST) on SQLite or PostgreSQL",
  );
  addSettingOptions(command, SETTINGS);
  return command.action(() => serve(commandSettings(command, resolveSettings, fail), fail));
}

async function serve(settings: Settings, fail: (message: string) => never): Promise<void> {
  const [{ createApp }, { StoreOpenError }, { NodeIdInUseError }] = await Promise.all([
    import("../app.js"),
    import("../store/kysely/open-store-database.js"),
    import("../core/cluster/node-registry.js"),
  ]);
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp({ settings });
  } catch (error) {
    // A database that cannot be used is one clear line and exit code 2, with nothing created.
    if (error instanceof StoreOpenError || error instanceof NodeIdInUseError) fail(error.message);
    throw error;
  }
  try {
    await app.start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(
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
