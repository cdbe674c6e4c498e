/** Typed access to the free-form keys of a `[backend."<distro>"]` table, with errors naming the key. */
import type { BackendSettings } from "./backend.js";

export class BackendConfigError extends Error {}

export function stringSetting(settings: BackendSettings, key: string): string | undefined;
export function stringSetting(settings: BackendSettings, key: string, fallback: string): string;
export function stringSetting(settings: BackendSettings, key: string, fallback?: string): string | undefined {
  const value = settings[key];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value === "") throw new BackendConfigError(`${key} must be a non-empty string`);
  return value;
}

export function stringListSetting(settings: BackendSettings, key: string, fallback: string[]): string[] {
  const value = settings[key];
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item === "")) {
    throw new BackendConfigError(`${key} must be a list of non-empty strings`);
  }
  return value as string[];
}
