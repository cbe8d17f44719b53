/** A setting that cannot be used: the CLI prints the message on one line and exits with code 2. */
export class SettingsError extends Error {
  override name = "SettingsError";
}
