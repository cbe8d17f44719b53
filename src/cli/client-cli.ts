import { Command } from "@commander-js/extra-typings";
import { resolveSettings, SETTINGS } from "../config/settings.js";
import { addSettingOptions, commandSettings, settingsHelp } from "./setting-options.js";

/** The store settings `client create` shares with serve: it writes where the server reads. */
const STORE_SETTINGS = { dataDir: SETTINGS.dataDir, databaseUrl: SETTINGS.databaseUrl };

export const CLIENT_HELP = settingsHelp(
  `Usage: spot-optimizer client create NAME [--email ADDRESS] [options]

Creates a client (a tenant: its agents, instances and dashboard) in the control plane's own store and prints its
token, once: sign in to the dashboard with it and give it to the client's agents. Run it on the machine of the
server, with the same --data-dir or --database-url; the server need not be stopped. Only someone who can read
the store can do this, as only the admin token holder can over the API (AdminService/CreateClient,
POST /api/admin/clients).

  --email <address>        the client's contact address (default: <name>@example.com)
`,
  STORE_SETTINGS,
  { flag: 24, env: 20 },
);

/** `spot-optimizer client create NAME`: exit 2 on a bad name, a taken name or email, or an unusable store. */
export function clientCommand(fail: (message: string) => never) {
  const create = new Command("create")
    .argument("<name>", "the client's name")
    .option("--email <address>", "the client's contact address")
    .helpOption("-h, --help", "show this help")
    .configureHelp({ formatHelp: () => CLIENT_HELP })
    .configureOutput({ outputError: () => {} })
    .exitOverride((error) => {
      throw Object.assign(error, { subcommand: "client create" });
    });
  const untyped = create as unknown as Command;
  addSettingOptions(untyped, STORE_SETTINGS);
  create.action(async (name, options) => {
    const settings = commandSettings(untyped, resolveSettings, fail);
    const { createClientLocally } = await import("./create-client-locally.js");
    const created = await createClientLocally(settings, { name, email: options.email ?? null }, fail);
    process.stdout.write(
      `Created client "${created.name}" (id ${created.id}).\n` +
        "Its token, shown only now (the store keeps a digest): sign in to the dashboard with it, and give it to the\n" +
        "client's agents (--token or SPOT_TOKEN).\n\n" +
        `${created.token}\n`,
    );
  });
  return new Command("client")
    .summary("manage clients locally: client create NAME prints a new client's token")
    .addCommand(create);
}
