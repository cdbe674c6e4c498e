/**
 * The remote rebuilders `check` asks, kept in the user's config as a small JSON file
 * (`$XDG_CONFIG_HOME/rebuilder/remotes.json`, `{"remotes": [URL, …]}`). None by default:
 * nothing is contacted without the user's say. Written atomically (temporary file + rename).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { xdgConfigHome } from "../paths.js";

export function remotesConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdgConfigHome(env), "rebuilder", "remotes.json");
}

/** A remote's URL in one spelling (no trailing slash), or a clear error. */
export function normalizeRemote(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${JSON.stringify(url)} is not a URL (expected e.g. https://rebuilder.example.org)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`${url}: a remote rebuilder is an http:// or https:// URL`);
  return url.replace(/\/+$/, "");
}

export function loadRemotes(file = remotesConfigPath()): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message}); fix or remove it`);
  }
  const remotes = (value as { remotes?: unknown }).remotes;
  if (!Array.isArray(remotes) || !remotes.every((r) => typeof r === "string")) throw new Error(`${file}: expected {"remotes": ["https://…", …]}`);
  return remotes as string[];
}

function save(file: string, remotes: string[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ remotes }, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Adds a remote; false when it was already there. */
export function addRemote(url: string, file = remotesConfigPath()): boolean {
  const remote = normalizeRemote(url);
  const remotes = loadRemotes(file);
  if (remotes.includes(remote)) return false;
  save(file, [...remotes, remote]);
  return true;
}

/** Removes a remote; false when it was not configured. */
export function removeRemote(url: string, file = remotesConfigPath()): boolean {
  const remote = url.replace(/\/+$/, "");
  const remotes = loadRemotes(file);
  if (!remotes.includes(remote)) return false;
  save(file, remotes.filter((r) => r !== remote));
  return true;
}
