import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Backend, BackendSettings } from "../../../src/backends/backend.js";
import { defaultEngineConfig } from "../../../src/engine/config.js";
import { defaultArchitectures, DEFAULT_BACKEND_DISTROS, resolveCapabilities } from "../../../src/engine/workers/capabilities.js";

describe("resolveCapabilities", () => {
  it("offers configured scripts that exist, and says why the others cannot run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rebuilder-caps-"));
    const good = join(dir, "rebuilder-fedora.sh");
    writeFileSync(good, "#!/bin/sh\n");
    chmodSync(good, 0o755);
    const config = defaultEngineConfig();
    config.backends = { fedora: { path: good }, alpine: { path: join(dir, "missing.sh") }, "../escape": { path: good }, openwrt: {} };

    const caps = await resolveCapabilities(config);
    expect(caps.backends.get("fedora")?.kind).toBe("command");
    expect(caps.unavailable.get("alpine")).toMatch(/missing\.sh/);
    expect(caps.unavailable.get("../escape")).toMatch(/unsafe file name "\.\.\/escape" for a backend/);
    expect(caps.backends.has("../escape")).toBe(false);
    expect(caps.unavailable.get("openwrt")).toMatch(/no built-in backend/);
    // The built-in ones are always considered, runnable here or not.
    for (const distro of DEFAULT_BACKEND_DISTROS) expect(caps.backends.has(distro) || caps.unavailable.has(distro)).toBe(true);
  });

  it("builds Debian with debian-archive when debrebuild cannot run, and says why when neither can", async () => {
    const config = defaultEngineConfig();
    // Real backends: debrebuild without a configured mirror cannot run, so debian-archive is next.
    const real = await resolveCapabilities(config);
    expect(real.backends.get("debian")?.kind ?? real.unavailable.get("debian")).toMatch(/^debian-archive$|debrebuild: .*mirror.*; debian-archive: /);

    const runnable = new Set<unknown>();
    const create = (_distro: string, settings: BackendSettings) =>
      ({ kind: settings.kind, unavailableReason: async () => (runnable.has(settings.kind) ? null : `no ${String(settings.kind)} here`) }) as unknown as Backend;
    runnable.add("debrebuild").add("debian-archive");
    expect((await resolveCapabilities(config, create)).backends.get("debian")?.kind).toBe("debrebuild");
    runnable.delete("debrebuild");
    expect((await resolveCapabilities(config, create)).backends.get("debian")?.kind).toBe("debian-archive");
    runnable.clear();
    expect((await resolveCapabilities(config, create)).unavailable.get("debian")).toBe("debrebuild: no debrebuild here; debian-archive: no debian-archive here");
    // A configured table is the only choice: no fallback behind the user's back.
    config.backends = { debian: { kind: "debrebuild" } };
    runnable.add("debian-archive");
    expect((await resolveCapabilities(config, create)).unavailable.get("debian")).toBe("no debrebuild here");
  });

  it("accepts the native architecture plus arch-independent jobs unless configured", async () => {
    const config = defaultEngineConfig();
    expect((await resolveCapabilities(config)).architectures).toEqual(defaultArchitectures());
    expect(defaultArchitectures()).toEqual(expect.arrayContaining(["all", "any"]));
    if (process.arch === "x64") expect(defaultArchitectures()[0]).toBe("x86_64");
    config.supported_architectures = ["aarch64"];
    expect((await resolveCapabilities(config)).architectures).toEqual(["aarch64"]);
  });
});
