/**
 * An Arch repository of local package files and a rebuilderd backend script whose builds can be
 * held: while `<root>/hold` exists a build waits (at most 120 s), so a test decides when builds
 * are in flight. `bad-*` packages rebuild differently, the others identically. Every build
 * appends its shell's pid to `<root>/pids`, so a test can end exactly the builds a killed server
 * left behind.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rebuilder } from "../cli/fixture.js";

export interface ArchRepo {
  root: string;
  dataDir: string;
  config: string;
  hold: string;
  /** Pids of the build scripts started so far. */
  pids: () => number[];
}

export function archRepo(names: string[], { buildSeconds = 0, slots = 2, extraConfig = "" } = {}): ArchRepo {
  const root = mkdtempSync(join(tmpdir(), "rebuilder-serve-"));
  // A synced slice is tens of MB: removed when the test process ends.
  process.on("exit", () => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, "mirror", "core");
  const stage = join(root, "stage");
  mkdirSync(repo, { recursive: true });
  for (const name of names) {
    const file = `${name}-1.0-1-x86_64.pkg.tar.zst`;
    const bytes = Buffer.from(`package ${name}\n`);
    writeFileSync(join(repo, file), bytes);
    const dir = join(stage, `${name}-1.0-1`);
    mkdirSync(dir, { recursive: true });
    const fields: [string, string | number][] = [
      ["FILENAME", file],
      ["NAME", name],
      ["BASE", name],
      ["VERSION", "1.0-1"],
      ["ARCH", "x86_64"],
      ["PACKAGER", "J <j@example.org>"],
      ["CSIZE", bytes.byteLength],
      ["SHA256SUM", createHash("sha256").update(bytes).digest("hex")],
    ];
    writeFileSync(join(dir, "desc"), fields.map(([k, v]) => `%${k}%\n${v}\n\n`).join(""));
  }
  execFileSync("tar", ["-czf", join(repo, "core.db"), "-C", stage, ...names.map((n) => `${n}-1.0-1`)]);

  const hold = join(root, "hold");
  const pidFile = join(root, "pids");
  const script = join(root, "rebuild.sh");
  writeFileSync(
    script,
    [
      "#!/bin/sh",
      "set -e",
      'f=$(basename "$1")',
      'echo "rebuilding $f"',
      `echo $$ >> "${pidFile}"`,
      `i=0; while [ -e "${hold}" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done`,
      `sleep ${buildSeconds}`,
      'case "$f" in',
      '  bad-*) echo "something else" > "$REBUILDERD_OUTDIR/$f" ;;',
      '  *) cp "$1" "$REBUILDERD_OUTDIR/$f" ;;',
      "esac",
      "",
    ].join("\n"),
  );
  chmodSync(script, 0o755);
  const config = join(root, "rebuilder.conf");
  writeFileSync(
    config,
    // Debian's backend without the mirror it needs: the bookworm jobs some tests sync wait instead of building.
    `[backend."archlinux"]\npath = "${script}"\n\n[backend."debian"]\nkind = "debrebuild"\n\n[slots]\ncount = ${slots}\n\n[diffoscope]\nenabled = false\n\n[build]\nsilent = true\n\n${extraConfig}`,
  );
  const r = { root, dataDir: join(root, "data"), config, hold, pids: () => (existsSync(pidFile) ? readFileSync(pidFile, "utf8").split("\n").filter(Boolean).map(Number) : []) };
  rebuilder(r, "pkgs", "sync", "archlinux", join(root, "mirror", "$repo"), "--component", "core", "--architecture", "x86_64");
  return r;
}

/**
 * Ends the build scripts a killed server left running, by their pids, checking first that the
 * pid is still this repository's script (each script's `sleep` ends within 0.1 s on its own).
 */
export function endOrphanBuilds(repo: ArchRepo): void {
  for (const pid of repo.pids()) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (!cmdline.includes(join(repo.root, "rebuild.sh"))) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
}
