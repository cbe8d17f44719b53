import { existsSync } from "node:fs";
import { LOG_LEVELS, type LogLevel } from "../core/logging/logger.js";
import { SettingsError } from "./settings-error.js";

/** Where settings come from: the command line's flags (by name without "--") and the environment. */
export interface SettingSources {
  flags: Readonly<Record<string, string | boolean | undefined>>;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * One setting: its flag (none for a setting only the environment sets), its environment variable, its default and
 * what it means (both for --help), and how its text becomes its value. A bad value is a SettingsError that names
 * the flag when the flag was used, else the environment variable.
 */
export interface SettingDefinition<T> {
  /** "--grpc-addr", or "" when only the environment sets it. */
  flag: string;
  env: string;
  /** The text used when neither is set (parsed like a given one); none: the setting is absent. */
  default?: string;
  /** How --help shows the default when it is not a value to parse ("generated", "from metadata"). */
  defaultHelp?: string;
  description: string;
  /** A flag that takes no value (given: "true"). */
  boolean?: boolean;
  parse(text: string, name: string): T;
}

/** A setting documented with the others whose value another module reads (job schedules, retention ages). */
export type DocumentedSetting = Pick<SettingDefinition<unknown>, "flag" | "env" | "description"> & {
  defaultHelp: string;
};

export interface SettingValue<T> {
  /** The parsed value, or undefined when the setting is absent (not given and without a default). */
  value: T | undefined;
  /** The flag when the flag gave the value, else the environment variable: what a message should name. */
  name: string;
}

/** The setting's value from its flag (first), its environment variable, or its default. */
export function readSetting<T>(sources: SettingSources, setting: SettingDefinition<T>): SettingValue<T> {
  const fromFlag = setting.flag ? sources.flags[setting.flag.replace(/^--/, "")] : undefined;
  const flagText = fromFlag === true ? "true" : typeof fromFlag === "string" ? fromFlag.trim() : "";
  if (flagText !== "") return { value: setting.parse(flagText, setting.flag), name: setting.flag };
  const envText = sources.env[setting.env]?.trim() ?? "";
  if (envText !== "") return { value: setting.parse(envText, setting.env), name: setting.env };
  const value = setting.default === undefined ? undefined : setting.parse(setting.default, setting.env);
  return { value, name: setting.env };
}

/** The default as --help shows it ("" for none). */
export function defaultHelp(setting: { default?: string; defaultHelp?: string }): string {
  return setting.defaultHelp ?? setting.default ?? "";
}

export const text = (value: string): string => value;

export function wholeNumber(min: number, max: number, unit = "") {
  const what = unit ? `a whole number of ${unit}` : "a whole number";
  return (value: string, name: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new SettingsError(`${name} must be ${what} from ${min} to ${max}, got "${value}"`);
    }
    return number;
  };
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (value: string, name: string): T => {
    if (!(values as readonly string[]).includes(value)) {
      throw new SettingsError(`${name} must be one of ${values.join(", ")}, got "${value}"`);
    }
    return value as T;
  };
}

export function trueOrFalse(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new SettingsError(`${name} must be true or false, got "${value}"`);
}

export function existingFile(value: string, name: string): string {
  if (!existsSync(value)) throw new SettingsError(`${name}: no file at ${value}`);
  return value;
}

export function atLeast16Characters(value: string, name: string): string {
  if (value.length < 16) throw new SettingsError(`${name} must be at least 16 characters`);
  return value;
}

/** The log level, the same for the control plane and the agent. */
export const LOG_LEVEL_SETTING: SettingDefinition<LogLevel> = {
  flag: "--log-level",
  env: "SPOT_LOG_LEVEL",
  default: "info",
  description: `one of ${LOG_LEVELS.join(", ")}`,
  parse: oneOf(LOG_LEVELS),
};
