/**
 * The admin cookie for `-H URL`, found as rebuildctl finds it (reference §2.3):
 * `$REBUILDERD_COOKIE_PATH` when set (a missing file is an error), else `[endpoints."URL"] cookie`
 * from /etc/rebuilderd.conf, ~/.config/rebuilderd.conf and the `-c` file (later ones win; the
 * section name must equal the -H string). For a loopback URL — a server on this machine, ours
 * or rebuilderd — the server-side search (§2.2) is tried last, as rebuildctl does without -H.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cookieInToml, findAuthCookie } from "../../engine/api/cookie.js";
import { xdgConfigHome } from "../../engine/paths.js";

function endpointCookieIn(file: string, endpoint: string): string | undefined {
  const pick = (doc: Record<string, unknown>) => (doc as { endpoints?: Record<string, { cookie?: unknown }> }).endpoints?.[endpoint]?.cookie;
  return cookieInToml(file, `[endpoints."${endpoint}"] cookie`, pick) ?? undefined;
}

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === "localhost" || host === "[::1]" || /^127\./.test(host);
}

export function endpointCookie(endpoint: string, configFile?: string, env: NodeJS.ProcessEnv = process.env, etc = "/etc/rebuilderd.conf"): string | undefined {
  if (env.REBUILDERD_COOKIE_PATH) {
    try {
      return readFileSync(env.REBUILDERD_COOKIE_PATH, "utf8").trim();
    } catch (err) {
      throw new Error(`cannot read the auth cookie from REBUILDERD_COOKIE_PATH=${env.REBUILDERD_COOKIE_PATH}: ${(err as Error).message}`);
    }
  }
  let cookie: string | undefined;
  for (const file of [etc, join(xdgConfigHome(env), "rebuilderd.conf"), configFile]) {
    if (file) cookie = endpointCookieIn(file, endpoint) ?? cookie;
  }
  return cookie ?? (isLoopback(endpoint) ? (findAuthCookie(env, etc) ?? undefined) : undefined);
}
