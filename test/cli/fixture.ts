/** A small Arch repository of local package files, a rebuilderd backend script, and the CLI to drive them. */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const cli = resolve(import.meta.dirname, "../../bin/rebuilder-node.mjs");

/**
 * A repository with two pkgbases: `good` rebuilds identically, `bad` does not. Each build
 * takes `buildSeconds`, and the synced store is ready in `dataDir`.
 */
export function fixture(buildSeconds = 0) {
  const root = mkdtempSync(join(tmpdir(), "rebuilder-cli-"));
  const repo = join(root, "mirror", "core");
  const stage = join(root, "stage");
  mkdirSync(repo, { recursive: true });
  for (const name of ["good", "bad"]) {
    const file = `${name}-1.0-1-x86_64.pkg.tar.zst`;
    const bytes = Buffer.from(`package ${name}\n`);
    writeFileSync(join(repo, file), bytes);
    mkdirSync(join(stage, `${name}-1.0-1`), { recursive: true });
    writeFileSync(
      join(stage, `${name}-1.0-1`, "desc"),
      `%FILENAME%\n${file}\n\n%NAME%\n${name}\n\n%BASE%\n${name}\n\n%VERSION%\n1.0-1\n\n%ARCH%\nx86_64\n\n%PACKAGER%\nJ <j@example.org>\n\n` +
        `%CSIZE%\n${bytes.byteLength}\n\n%SHA256SUM%\n${createHash("sha256").update(bytes).digest("hex")}\n\n`,
    );
  }
  execFileSync("tar", ["-czf", join(repo, "core.db"), "-C", stage, "good-1.0-1", "bad-1.0-1"]);
  // A rebuilderd backend script: `<script> <input>` with REBUILDERD_OUTDIR set.
  const script = join(root, "rebuild.sh");
  writeFileSync(
    script,
    `#!/bin/sh\nset -e\nf=$(basename "$1")\necho "rebuilding $f"\nsleep ${buildSeconds}\ncase "$f" in\n  bad-*) echo "something else" > "$REBUILDERD_OUTDIR/$f" ;;\n  *) cp "$1" "$REBUILDERD_OUTDIR/$f" ;;\nesac\n`,
  );
  chmodSync(script, 0o755);
  const config = join(root, "rebuilder.conf");
  writeFileSync(config, `[backend."archlinux"]\npath = "${script}"\n\n[slots]\ncount = 2\n\n[diffoscope]\nenabled = false\n\n[build]\nsilent = true\n`);
  const f = { root, mirror: join(root, "mirror", "$repo"), config, dataDir: join(root, "data") };
  rebuilder(f, "pkgs", "sync", "archlinux", f.mirror, "--component", "core", "--architecture", "x86_64");
  return f;
}

export function rebuilder(f: { dataDir: string; config: string }, ...args: string[]) {
  const r = spawnSync(process.execPath, [cli, "--data-dir", f.dataDir, "-c", f.config, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`rebuilder ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

