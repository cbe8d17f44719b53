import type { Settings } from "../config/settings.js";
import { AppError } from "../core/errors/app-error.js";
import { silentLogger } from "../core/logging/logger.js";

/**
 * Creates a client through the core use case, on the store the server uses (opened and migrated as serve would,
 * no listener started). A refusal of the use case (bad or taken name) or an unusable store is one line.
 */
export async function createClientLocally(
  settings: Settings,
  input: { name: string; email: string | null },
  fail: (message: string) => never,
): Promise<{ id: string; name: string; token: string }> {
  const [{ createApp }, { StoreOpenError }] = await Promise.all([
    import("../app.js"),
    import("../store/kysely/open-store-database.js"),
  ]);
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp({ settings, logger: silentLogger, jobDriver: "off" });
  } catch (error) {
    if (error instanceof StoreOpenError) fail(error.message);
    throw error;
  }
  let outcome: { id: string; name: string; token: string } | AppError;
  try {
    const { client, token } = await app.services.clients.create(input);
    outcome = { id: client.id, name: client.name, token };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    outcome = error;
  } finally {
    await app.stop();
  }
  if (outcome instanceof AppError) fail(outcome.message);
  return outcome;
}
