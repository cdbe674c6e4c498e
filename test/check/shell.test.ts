/**
 * What a person at a shell meets: completion scripts generated from the command tree (run in a
 * real bash), and logs through the pager only on a terminal (a real pseudo-terminal via
 * util-linux `script`), never in a pipe.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { bashCompletion, fishCompletion, zshCompletion } from "../../src/cli/completions.js";
import { cli } from "../cli/fixture.js";
import { keyOf, seedStore, serveStore, tempDir } from "./harness.js";
import { runCli } from "./run-cli.js";

/** What bash completes for `words`, the last one being the word under the cursor. */
function complete(script: string, words: string[]): string[] {
  const file = join(tempDir(), "completion.bash");
  writeFileSync(file, script);
  const line = words.map((w) => `'${w}'`).join(" ");
  const out = execFileSync("bash", ["-c", `source ${file}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _rebuilder; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    encoding: "utf8",
  });
  return out.split("\n").filter(Boolean).sort();
}

describe("shell completions", () => {
  const program = buildProgram();
  const bash = bashCompletion(program);

  it("bash completes commands, nested subcommands and their options from the command tree", () => {
    expect(complete(bash, ["rebuilder", "pkgs", "l"])).toEqual(["log", "ls"]);
    expect(complete(bash, ["rebuilder", "-H", "http://x", "queue", ""])).toEqual(expect.arrayContaining(["ls", "push", "drop", "requeue", "--help"]));
    expect(complete(bash, ["rebuilder", "check", "--t"])).toEqual(["--threshold", "--timeout", "--trust-unsigned"]);
    expect(complete(bash, ["rebuilder", "remote", "ls", "--"])).toEqual(["--help", "--json", "--known", "--root"]);
    // Every top-level command of this build is offered, but not the hidden one serve runs its syncs with.
    const offered = complete(bash, ["rebuilder", ""]);
    expect(offered).toEqual(expect.arrayContaining(program.commands.map((c) => c.name()).filter((name) => name !== "serve-sync")));
    expect(offered).not.toContain("serve-sync");
  });

  it("zsh and fish scripts name the same commands and options", () => {
    const zsh = zshCompletion(program);
    const fish = fishCompletion(program);
    expect(zsh.startsWith("#compdef rebuilder\n")).toBe(true);
    // zsh ties path, fpath, cdpath and manpath to its environment: a local one would empty $PATH while completing.
    expect(zsh).not.toMatch(/\blocal\b[^\n]*\b(path|fpath|cdpath|manpath)\b/);
    expect(zsh).toContain("'pkgs') echo 'sync sync-profile log diffoscope attestation ls sync-stdin");
    expect(fish).toContain("complete -c rebuilder -n '__fish_seen_subcommand_from remote; and not __fish_seen_subcommand_from add rm ls' -a 'add'");
    expect(fish).toContain("complete -c rebuilder -n '__fish_seen_subcommand_from check' -l trust-unsigned");
  });

  it("rebuilder completions rejects an unknown shell", async () => {
    const r = await runCli(tempDir(), ["completions", "tcsh"]);
    expect(r.stderr).toContain('no completions for "tcsh": choose bash, zsh or fish');
    expect(r.code).toBe(1);
  });
});

describe("pager for logs", () => {
  it("pipes the log through $PAGER on a terminal, and writes it plainly into a pipe", async () => {
    const home = tempDir();
    (await seedStore(join(home, "data"), keyOf(1), [{ name: "acl", version: "2.3.1-3", status: "GOOD" }])).close();
    const pager = join(home, "pager");
    const seen = join(home, "seen");
    writeFileSync(pager, `#!/bin/sh\necho "args: $*" > ${seen}\ncat >> ${seen}\n`);
    chmodSync(pager, 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, REBUILDER_DATA_DIR: join(home, "data"), PAGER: `${pager} --flag` };
    delete env.NOPAGER;
    const r = spawnSync("script", ["-q", "-e", "-c", `${process.execPath} ${cli} pkgs log --name acl`, "/dev/null"], { encoding: "utf8", env });
    expect(r.status).toBe(0);
    expect(readFileSync(seen, "utf8")).toBe("args: --flag\nbuilding acl\n");
    const piped = spawnSync(process.execPath, [cli, "pkgs", "log", "--name", "acl"], { encoding: "utf8", env });
    expect(piped.stdout).toBe("building acl\n");
  });
});

describe("check progress", () => {
  // Every answer takes at least 2 × 1.2 s (look-up, then key and attestation), so progress is due whatever the machine speed.
  it("shows progress on a terminal when answers take over a second, and nothing extra in a pipe", async () => {
    const home = tempDir();
    const pkgs = ["acl", "bash", "dash", "gzip"].map((name) => ({ name, version: "1.0-1", status: "GOOD" as const }));
    (await seedStore(join(home, "data"), keyOf(1), pkgs)).close();
    const slow = await serveStore(await seedStore(tempDir(), keyOf(2), pkgs), keyOf(2), { delayMs: 1200 });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, REBUILDER_DATA_DIR: join(home, "data"), XDG_CONFIG_HOME: join(home, "config") };
      const args = ["check", "acl", "bash", "dash", "gzip", "--remote", slow.url];
      const onTerminal = await runAsync("script", ["-q", "-e", "-c", [process.execPath, cli, ...args].join(" "), "/dev/null"], env);
      expect(onTerminal).toMatch(/\r\x1b\[Kasked 1 remote: \d of 4 answers/);
      // Coloured on a terminal without -C; plain in a pipe.
      expect(onTerminal).toContain("\x1b[32mverified\x1b[0m");
      const piped = await runAsync(process.execPath, [cli, ...args], env);
      expect(piped).not.toContain("asked 1 remote");
      expect(piped).not.toContain("\x1b[");
      expect(piped.split("\n").filter(Boolean)).toHaveLength(4);
    } finally {
      await slow.close();
    }
  });
});

/** Output of a process run without blocking this one (the test's server must keep answering). */
function runAsync(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", () => resolve(out));
  });
}
