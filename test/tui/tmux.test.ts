/**
 * `rebuilder tui` end to end in a real terminal (tmux): it syncs a local Arch repository through
 * the engine's sync, builds it with a rebuilderd backend script (one package reproduces, one
 * does not), shows the BAD diff from diffoscope, requeues it from the packages view, and exits
 * on q after the running builds. REBUILDER_TUI_BIN runs the compiled binary instead of the sources.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, fixture, rebuilder } from "../cli/fixture.js";
import { TmuxSession } from "./tmux.js";

// Under Bun the sources run through their Bun entry, as `bun bin/rebuilder.ts` would.
const bunEntry = join(import.meta.dirname, "../../bin/rebuilder.ts");
const command = process.env.REBUILDER_TUI_BIN ? [process.env.REBUILDER_TUI_BIN] : process.versions.bun ? [process.execPath, bunEntry] : [process.execPath, cli];
let session: TmuxSession | undefined;
afterEach(() => session?.kill());

describe("rebuilder tui in a terminal", () => {
  it("syncs, builds, shows the BAD diff, requeues, and exits after the running builds", async () => {
    execFileSync("tmux", ["-V"]); // tmux is one of the test tools (scripts/test-tools.sh)
    const f = fixture(1);
    const config = join(f.root, "tui.conf");
    writeFileSync(config, `[backend."archlinux"]\npath = "${join(f.root, "rebuild.sh")}"\n\n[slots]\ncount = 2\n\n[diffoscope]\nenabled = true\n\n[build]\nsilent = true\n`);
    const syncConfig = join(f.root, "sync.conf");
    writeFileSync(syncConfig, `[profile."arch-local"]\ndistro = "archlinux"\ncomponents = ["core"]\narchitectures = ["x86_64"]\nsource = "${f.mirror}"\n`);
    const stderr = join(f.root, "stderr.txt");
    session = TmuxSession.start([...command, "--data-dir", f.dataDir, "-c", config, "tui", "--sync-config", syncConfig], { columns: 120, rows: 32, stderrFile: stderr });
    const t = session;

    // Dashboard: the profile synced through the engine's schedule, then both packages built.
    // The first start of the sources under tsx on a fresh clone compiles every module: allow for a loaded machine.
    await t.waitFor(/arch-local +last \d{4}-\d\d-\d\d \d\d:\d\d · next \d{4}/, 180_000);
    let screen = await t.waitFor(/all +1 +1 +0 +0 +50\.0%/);
    expect(screen).toContain("building with: archlinux");

    // BAD diffs: the diffoscope report in the viewer, then back.
    t.send("4");
    await t.waitFor(/bad 1\.0-1 +archlinux/);
    t.send("Enter");
    screen = await t.waitFor(/diffoscope: bad 1\.0-1 \(x86_64\) lines 1–\d+ of \d+/);
    expect(screen).toMatch(/bad-1\.0-1-x86_64\.pkg\.tar\.zst/);
    // A key right after Escape would reach the program as Alt+key: wait for each screen first.
    t.send("Escape");
    await t.waitFor(/built +diff/);
    t.send("l");
    await t.waitFor("rebuilding bad-1.0-1-x86_64.pkg.tar.zst");
    t.send("Escape");
    await t.waitFor(/built +diff/);

    // Packages: search, history, requeue; the rebuild shows up in the history.
    t.send("5");
    await t.waitFor(/1 of 2/);
    t.send("/");
    t.send("bad", true);
    t.send("Enter");
    await t.waitFor(/1 of 1/);
    t.send("Enter");
    await t.waitFor(/#\d+ +\d{4}-\d\d-\d\d \d\d:\d\d BAD/);
    t.send("r");
    await t.waitFor("requeued bad 1.0-1");
    screen = await t.waitFor(/#\d+ .*BAD[^\n]*\n#\d+ .*BAD/);

    // Resizing redraws; too small says so.
    t.resize(50, 10);
    await t.waitFor("Terminal too small");
    t.resize(120, 32);
    await t.waitFor("Packages");

    t.send("q");
    await t.waitFor("[exited 0]");
    expect(readFileSync(stderr, "utf8")).not.toMatch(/error/i);
    expect(JSON.parse(rebuilder(f, "pkgs", "ls", "--json", "--name", "bad"))[0]).toMatchObject({ status: "BAD" });
  }, 420_000);
});
