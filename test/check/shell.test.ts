/**
 * What a person at a shell meets: completion scripts generated from the command tree (loaded into
 * a real bash, zsh and fish and asked for completions), and logs through the pager only on a
 * terminal (a real pseudo-terminal via util-linux `script`), never in a pipe.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
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

/** What fish completes for the typed `line`: the candidates, each as `name<TAB>description`. */
function completeFish(script: string, line: string): string[] {
  const file = join(tempDir(), "rebuilder.fish");
  writeFileSync(file, script);
  const out = execFileSync("fish", ["--no-config", "-c", "source $argv[1]; complete -C $argv[2]", file, line], { encoding: "utf8", timeout: 20_000 });
  return out.split("\n").filter(Boolean).sort();
}

/**
 * What zsh's completion system offers when each of `lines` is typed and Tab pressed at one
 * interactive zsh on a pseudo-terminal (driven by zpty; one session, as compinit takes seconds),
 * with the script sourced after compinit or autoloaded from $fpath by its #compdef line. A compadd
 * wrapper records the real compadd's matches (-O) and $PATH as the completion function sees it.
 */
function completeZsh<L extends string>(script: string, load: "source" | "fpath", lines: readonly L[]): Record<L, { offered: string[]; path: string }> {
  const dir = tempDir();
  mkdirSync(join(dir, "functions"));
  writeFileSync(join(dir, "functions", "_rebuilder"), script);
  writeFileSync(
    join(dir, ".zshrc"),
    [
      "PS1='READY%% '",
      load === "fpath" ? `fpath=(${dir}/functions $fpath)` : "",
      `autoload -U compinit; compinit -u -d ${dir}/.zcompdump`,
      load === "source" ? `source ${dir}/functions/_rebuilder` : "",
      `compadd() { local -a m; builtin compadd -O m "$@"; print -rl -- $m >> ${dir}/offered; print -r -- "$PATH" > ${dir}/path; builtin compadd "$@"; }`,
    ].join("\n"),
  );
  // Type only once the prompt is up (zle drops a Tab typed ahead), then clear the line and print a
  // marker: its echo reads DO''NE, so DONE arrives once the completion has run.
  const drive = [
    "zmodload zsh/zpty",
    'zpty z "ZDOTDIR=${(q)1} zsh -d -i"',
    "zpty -r z out '*READY*'",
    "for ((i = 2; i <= $#; i++)); do",
    `  zpty -w -n z "\${@[i]}"$'\\t'`,
    `  zpty -w -n z $'\\x15'"print DO''NE"$'\\n'`,
    "  zpty -r z out '*DONE*'",
    "  touch $1/offered $1/path; mv $1/offered $1/offered.$i; mv $1/path $1/path.$i",
    "done",
    "zpty -d z",
  ].join("\n");
  execFileSync("zsh", ["-f", "-c", drive, "zsh", dir, ...lines], { encoding: "utf8", timeout: 60_000, env: { ...process.env, TERM: "xterm" } });
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const got = lines.map((line, i) => [line, { offered: [...new Set(read(`offered.${i + 2}`).split("\n").filter(Boolean))].sort(), path: read(`path.${i + 2}`).trim() }]);
  return Object.fromEntries(got) as Record<L, { offered: string[]; path: string }>;
}

describe("shell completions", () => {
  const program = buildProgram();
  const scripts = { bash: "", zsh: "", fish: "" };
  // Every top-level command of this build, but not the hidden one serve runs its syncs with.
  const commands = program.commands.map((c) => c.name()).filter((name) => name !== "serve-sync");

  beforeAll(async () => {
    for (const shell of ["bash", "zsh", "fish"] as const) {
      const r = await runCli(tempDir(), ["completions", shell]);
      expect(r.code).toBe(0);
      scripts[shell] = r.stdout;
    }
  });

  it("bash completes commands, nested subcommands and their options from the command tree", () => {
    const bash = scripts.bash;
    expect(complete(bash, ["rebuilder", "pkgs", "l"])).toEqual(["log", "ls"]);
    expect(complete(bash, ["rebuilder", "-H", "http://x", "queue", ""])).toEqual(expect.arrayContaining(["ls", "push", "drop", "requeue", "--help"]));
    expect(complete(bash, ["rebuilder", "check", "--t"])).toEqual(["--threshold", "--timeout", "--trust-unsigned"]);
    expect(complete(bash, ["rebuilder", "remote", "ls", "--"])).toEqual(["--help", "--json", "--known", "--root"]);
    const offered = complete(bash, ["rebuilder", ""]);
    expect(offered).toEqual(expect.arrayContaining(commands));
    expect(offered).not.toContain("serve-sync");
  });

  it("zsh completes commands, nested subcommands and their options, sourced or autoloaded from $fpath", () => {
    for (const load of ["source", "fpath"] as const) {
      const got = completeZsh(scripts.zsh, load, ["rebuilder pkgs l", "rebuilder check --t", "rebuilder -H http://x queue ", "rebuilder "]);
      expect(got["rebuilder pkgs l"].offered).toEqual(["log", "ls"]);
      expect(got["rebuilder check --t"].offered).toEqual(["--threshold", "--timeout", "--trust-unsigned"]);
      expect(got["rebuilder -H http://x queue "].offered).toEqual(expect.arrayContaining(["ls", "push", "drop", "requeue", "--help"]));
      expect(got["rebuilder "].offered).toEqual(expect.arrayContaining(commands));
      expect(got["rebuilder "].offered).not.toContain("serve-sync");
      // zsh ties $path to $PATH: a completion variable named path would empty PATH while completing.
      expect(got["rebuilder "].path).toBe(process.env.PATH);
    }
  });

  it("fish completes commands with their descriptions, nested subcommands and their options", () => {
    const names = (line: string) => completeFish(scripts.fish, line).map((c) => c.split("\t")[0]);
    const pkgsLs = program.commands.find((c) => c.name() === "pkgs")?.commands.find((c) => c.name() === "ls");
    expect(completeFish(scripts.fish, "rebuilder pkgs l")).toContain(`ls\t${pkgsLs?.description()}`);
    expect(names("rebuilder pkgs l")).toEqual(["log", "ls"]);
    expect(names("rebuilder check --t")).toEqual(["--threshold", "--timeout", "--trust-unsigned"]);
    expect(names("rebuilder remote ")).toEqual(["add", "ls", "rm"]);
    expect(names("rebuilder -H http://x queue ")).toEqual(expect.arrayContaining(["ls", "push", "drop", "requeue"]));
    const top = names("rebuilder ");
    expect(top).toEqual(expect.arrayContaining(commands));
    expect(top).not.toContain("serve-sync");
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
