import type { Command } from "@commander-js/extra-typings";
import {
  type DocumentedSetting,
  defaultHelp,
  type SettingDefinition,
  type SettingSources,
} from "../config/setting.js";
import { SettingsError } from "../config/settings-error.js";

type AnySetting = SettingDefinition<unknown> | DocumentedSetting;

/** Declares a flag for every setting that has one: `--name <value>`, or a bare `--name` for a true/false flag. */
export function addSettingOptions(command: Command, settings: Record<string, AnySetting>): void {
  for (const setting of Object.values(settings)) {
    if (!setting.flag) continue;
    const boolean = "boolean" in setting && setting.boolean;
    command.option(boolean ? setting.flag : `${setting.flag} <value>`, setting.description);
  }
}

/** The command's settings from its flags and the environment; a bad one is the command's one-line failure. */
export function commandSettings<T>(
  command: Command,
  resolve: (sources: SettingSources) => T,
  fail: (message: string) => never,
): T {
  try {
    return resolve({ flags: givenFlags(command), env: process.env });
  } catch (error) {
    if (error instanceof SettingsError) fail(error.message);
    throw error;
  }
}

/** The flags given on the command line, by name without "--", as the settings read them. */
function givenFlags(command: Command): Record<string, string | boolean | undefined> {
  const values = command.opts() as Record<string, string | boolean | undefined>;
  const flags: Record<string, string | boolean | undefined> = {};
  for (const option of command.options) {
    if (option.long && option.long !== "--help") flags[option.long.slice(2)] = values[option.attributeName()];
  }
  return flags;
}

/** A table of every setting (flag, environment variable, meaning and default) after a usage line and an intro. */
export function settingsHelp(
  header: string,
  settings: Record<string, AnySetting>,
  widths: { flag: number; env: number },
): string {
  const row = (flag: string, env: string, meaning: string) =>
    `  ${flag.padEnd(widths.flag)} ${env.padEnd(widths.env)} ${meaning}`;
  const rows = Object.values(settings).map((setting) => {
    const boolean = "boolean" in setting && setting.boolean;
    const flag = setting.flag ? (boolean ? setting.flag : `${setting.flag} <value>`) : "";
    const fallback = defaultHelp(setting);
    return row(flag, setting.env, `${setting.description}${fallback ? ` (default: ${fallback})` : ""}`);
  });
  return `${header}
${row("flag", "environment", "meaning")}
${rows.join("\n")}
${row("-h, --help", "", "show this help")}
`;
}
