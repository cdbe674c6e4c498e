import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfigPath, defaultSyncConfigPath, resolveDataDir } from "../../src/engine/paths.js";

describe("where rebuilder keeps its files", () => {
  it("takes the data directory from --data-dir, else REBUILDER_DATA_DIR, else the XDG data directory", () => {
    const env = { HOME: "/home/u", XDG_DATA_HOME: "/xdg/data", REBUILDER_DATA_DIR: "/env/data" };
    expect(resolveDataDir("/flag", env)).toBe("/flag");
    expect(resolveDataDir(undefined, env)).toBe("/env/data");
    expect(resolveDataDir(undefined, { HOME: "/home/u", XDG_DATA_HOME: "/xdg/data" })).toBe("/xdg/data/rebuilder");
    expect(resolveDataDir(undefined, { HOME: "/home/u" })).toBe("/home/u/.local/share/rebuilder");
  });

  it("makes a relative data directory absolute at once, and ignores relative XDG values as the XDG spec says", () => {
    expect(resolveDataDir("./data", {})).toBe(join(process.cwd(), "data"));
    expect(resolveDataDir(undefined, { REBUILDER_DATA_DIR: "store" })).toBe(join(process.cwd(), "store"));
    expect(resolveDataDir(undefined, { HOME: "/home/u", XDG_DATA_HOME: "xdg" })).toBe("/home/u/.local/share/rebuilder");
    expect(defaultConfigPath({ HOME: "/home/u", XDG_CONFIG_HOME: "cfg" })).toBe("/home/u/.config/rebuilder/rebuilder.conf");
  });

  it("reads its configuration from the XDG config directory", () => {
    expect(defaultConfigPath({ HOME: "/home/u" })).toBe("/home/u/.config/rebuilder/rebuilder.conf");
    expect(defaultSyncConfigPath({ HOME: "/home/u", XDG_CONFIG_HOME: "/cfg" })).toBe("/cfg/rebuilder/rebuilder-sync.conf");
  });
});
