/** The admin cookie is found where rebuilderd and rebuildctl look (reference §2.2–2.3), created once with mode 0600, and written where clients find it. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findAuthCookie, loadOrCreateServerCookie } from "../../src/engine/api/cookie.js";

/** An isolated home: XDG dirs, /etc/rebuilderd.conf and /var/lib/rebuilderd/auth-cookie stand-ins. */
function home() {
  const root = mkdtempSync(join(tmpdir(), "rebuilder-cookie-"));
  const env = { HOME: root, XDG_CONFIG_HOME: join(root, "config"), XDG_DATA_HOME: join(root, "data") };
  return { root, env, etc: join(root, "etc-rebuilderd.conf"), varLib: join(root, "var-lib-auth-cookie"), dataFile: join(root, "data", "rebuilderd-auth-cookie") };
}
const mode = (file: string) => statSync(file).mode & 0o777;

describe("the server's admin cookie", () => {
  it("is generated at first start, written with mode 0600, and kept on the next start", () => {
    const h = home();
    const first = loadOrCreateServerCookie(h.env, h.etc, h.varLib);
    expect(first).toEqual({ cookie: expect.stringMatching(/^[A-Za-z0-9]{32}$/), path: h.dataFile, created: true });
    expect(readFileSync(h.dataFile, "utf8")).toBe(`${first.cookie}\n`);
    expect(mode(h.dataFile)).toBe(0o600);
    expect(loadOrCreateServerCookie(h.env, h.etc, h.varLib)).toEqual({ ...first, created: false });
    // rebuildctl on the same host finds the same cookie.
    expect(findAuthCookie(h.env, h.etc, h.varLib)).toBe(first.cookie);
  });

  it("goes to $REBUILDERD_COOKIE_PATH when set; a missing file there ends the search (as rebuilderd)", () => {
    const h = home();
    writeFileSync(h.etc, `[auth]\ncookie = "from-etc"\n`);
    const path = join(h.root, "state", "auth-cookie");
    const env = { ...h.env, REBUILDERD_COOKIE_PATH: path };
    expect(findAuthCookie(env, h.etc, h.varLib)).toBeNull();
    const made = loadOrCreateServerCookie(env, h.etc, h.varLib);
    expect(made.path).toBe(path);
    expect(made.cookie).not.toBe("from-etc");
    expect(mode(path)).toBe(0o600);
    writeFileSync(path, "  given-cookie \n");
    expect(loadOrCreateServerCookie(env, h.etc, h.varLib).cookie).toBe("given-cookie");
  });

  it("takes the first of ~/.config/rebuilderd.conf, /etc/rebuilderd.conf, /var/lib/rebuilderd/auth-cookie, the XDG data file", () => {
    const h = home();
    mkdirSync(join(h.root, "data"), { recursive: true });
    writeFileSync(h.dataFile, "from-data\n");
    expect(findAuthCookie(h.env, h.etc, h.varLib)).toBe("from-data");
    writeFileSync(h.varLib, "from-var-lib\n");
    expect(findAuthCookie(h.env, h.etc, h.varLib)).toBe("from-var-lib");
    writeFileSync(h.etc, `[auth]\ncookie = "from-etc"\n`);
    expect(findAuthCookie(h.env, h.etc, h.varLib)).toBe("from-etc");
    mkdirSync(h.env.XDG_CONFIG_HOME, { recursive: true });
    writeFileSync(join(h.env.XDG_CONFIG_HOME, "rebuilderd.conf"), `[auth]\ncookie = "from-user-config"\n`);
    expect(findAuthCookie(h.env, h.etc, h.varLib)).toBe("from-user-config");
    // The server writes what it found back where clients without the env var look last, readable by its user only.
    chmodSync(h.dataFile, 0o644);
    expect(loadOrCreateServerCookie(h.env, h.etc, h.varLib)).toMatchObject({ cookie: "from-user-config", created: false });
    expect(readFileSync(h.dataFile, "utf8")).toBe("from-user-config\n");
    expect(mode(h.dataFile)).toBe(0o600);
  });

  it("says which file is broken when a config holding the cookie is not TOML", () => {
    const h = home();
    writeFileSync(h.etc, "[auth\n");
    expect(() => findAuthCookie(h.env, h.etc, h.varLib)).toThrow(new RegExp(`${h.etc}: invalid TOML while looking for \\[auth\\] cookie`));
  });
});
