/**
 * The admin auth cookie, found and kept where rebuilderd keeps it (reference §2.2–2.3), so
 * rebuildctl on the same host finds ours and we find rebuilderd's:
 * `$REBUILDERD_COOKIE_PATH`, else `[auth] cookie` of ~/.config/rebuilderd.conf or
 * /etc/rebuilderd.conf, else /var/lib/rebuilderd/auth-cookie, else
 * <XDG data dir>/rebuilderd-auth-cookie. The server writes its cookie back to
 * `$REBUILDERD_COOKIE_PATH` or the XDG data file (mode 0600 when it creates it).
 */
import { randomInt } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "smol-toml";
import { xdgConfigHome, xdgDataHome } from "../paths.js";

type Env = NodeJS.ProcessEnv;

function readTrimmed(file: string): string | null {
  try {
    const text = readFileSync(file, "utf8").trim();
    return text === "" ? null : text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`cannot read auth cookie file ${file}: ${(err as Error).message}`);
  }
}

/**
 * A cookie string from a TOML file (rebuilderd.conf's `[auth] cookie`, or rebuildctl's
 * `[endpoints."URL"] cookie`); null when the file or the key is missing. `where` names the key.
 */
export function cookieInToml(file: string, where: string, pick: (doc: Record<string, unknown>) => unknown): string | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  let cookie: unknown;
  try {
    cookie = pick(parse(text));
  } catch (err) {
    throw new Error(`${file}: invalid TOML while looking for ${where}: ${(err as Error).message.split("\n")[0]}`);
  }
  return typeof cookie === "string" && cookie !== "" ? cookie : null;
}

function cookieFromConf(file: string): string | null {
  return cookieInToml(file, "[auth] cookie", (doc) => (doc as { auth?: { cookie?: unknown } }).auth?.cookie);
}

/** Where the server writes its cookie (and where a client without the env var finds it last). */
export function cookieWritePath(env: Env = process.env): string {
  return env.REBUILDERD_COOKIE_PATH || join(xdgDataHome(env), "rebuilderd-auth-cookie");
}

/** rebuildctl's search, without a random fallback: null when no cookie is configured anywhere. */
export function findAuthCookie(env: Env = process.env, etc = "/etc/rebuilderd.conf", varLib = "/var/lib/rebuilderd/auth-cookie"): string | null {
  // A set REBUILDERD_COOKIE_PATH ends the search, found or not (as rebuilderd).
  if (env.REBUILDERD_COOKIE_PATH) return readTrimmed(env.REBUILDERD_COOKIE_PATH);
  return (
    cookieFromConf(join(xdgConfigHome(env), "rebuilderd.conf")) ??
    cookieFromConf(etc) ??
    readTrimmed(varLib) ??
    readTrimmed(join(xdgDataHome(env), "rebuilderd-auth-cookie"))
  );
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** The server's cookie: found as above or generated (32 random alphanumerics), then written back so clients find it. */
export function loadOrCreateServerCookie(env: Env = process.env, etc?: string, varLib?: string): { cookie: string; path: string; created: boolean } {
  const found = findAuthCookie(env, etc, varLib);
  const cookie = found ?? Array.from({ length: 32 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("");
  const path = cookieWritePath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let created = false;
  try {
    writeFileSync(path, `${cookie}\n`, { mode: 0o600, flag: "wx" });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`cannot write auth cookie to ${path}: ${(err as Error).message}`);
    writeFileSync(path, `${cookie}\n`);
  }
  // A secret: never readable by others, whatever the umask or an older file said.
  chmodSync(path, 0o600);
  return { cookie, path, created: created && found === null };
}
