import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiffoscopeError, runDiffoscope } from "../../../src/engine/evidence/diffoscope.js";
import { isZstd, zstdDecompress } from "../../../src/engine/compression.js";

const text = (b: Uint8Array) => new TextDecoder().decode(zstdDecompress(b));

/** Two gzip tarballs whose pkg/greeting differs and whose pkg/same does not. */
async function tarballs() {
  const dir = mkdtempSync(join(tmpdir(), "rebuilder-diffoscope-"));
  for (const [side, greeting] of [["a", "hello"], ["b", "world"]] as const) {
    mkdirSync(join(dir, side, "pkg"), { recursive: true });
    writeFileSync(join(dir, side, "pkg", "greeting"), `${greeting}\n`);
    writeFileSync(join(dir, side, "pkg", "same"), "same\n");
    await execa("tar", ["--mtime=@0", "--owner=0", "--group=0", "--sort=name", "-czf", join(dir, `${side}.tar.gz`), "-C", join(dir, side), "pkg"]);
  }
  return { dir, published: join(dir, "a.tar.gz"), rebuilt: join(dir, "b.tar.gz") };
}

describe("runDiffoscope", () => {
  it("returns diffoscope's zstd-compressed text report naming the differing member", async () => {
    const { published, rebuilt } = await tarballs();
    const report = await runDiffoscope(published, rebuilt, { args: [], timeoutSeconds: 120 });
    expect(isZstd(report)).toBe(true);
    const body = text(report);
    expect(body).toContain(`--- ${published}`);
    expect(body).toContain(`+++ ${rebuilt}`);
    expect(body).toContain("pkg/greeting");
    expect(body).toContain("-hello");
    expect(body).toContain("+world");
    expect(body).not.toContain("pkg/same");
  });

  it("kills diffoscope at the size cap and marks the report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rebuilder-diffoscope-"));
    const lines = (tag: string) => Array.from({ length: 5000 }, (_, i) => `${tag} line ${i}\n`).join("");
    writeFileSync(join(dir, "a.txt"), lines("left"));
    writeFileSync(join(dir, "b.txt"), lines("right"));
    const body = text(await runDiffoscope(join(dir, "a.txt"), join(dir, "b.txt"), { args: [], timeoutSeconds: 120, maxBytes: 300 }));
    expect(body).toMatch(/^--- /);
    expect(body.endsWith("\n\nTRUNCATED DUE TO SIZE LIMIT: 300 bytes\n\n")).toBe(true);
    expect(Buffer.byteLength(body)).toBe(300 + "\n\nTRUNCATED DUE TO SIZE LIMIT: 300 bytes\n\n".length);
  });

  it("runs rebuilderd's exact command line: args, --timeout=T, --, published, rebuilt", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rebuilder-diffoscope-"));
    const recorder = join(dir, "record-args");
    writeFileSync(recorder, '#!/bin/sh\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\nexit 1\n');
    chmodSync(recorder, 0o755);
    const report = await runDiffoscope("/in/a.deb", "/out/a.deb", { args: ["--max-report-size=100", "--exclude-directory-metadata=recursive"], timeoutSeconds: 42, command: recorder });
    expect(text(report)).toBe("[--max-report-size=100]\n[--exclude-directory-metadata=recursive]\n[--timeout=42]\n[--]\n[/in/a.deb]\n[/out/a.deb]\n");
  });

  it("hands hostile file names to diffoscope as plain paths", async () => {
    const { dir, published, rebuilt } = await tarballs();
    const hostile = join(dir, "--html=pwned.html $(touch pwned).tar.gz");
    await execa("cp", [rebuilt, hostile]);
    const body = text(await runDiffoscope(published, hostile, { args: [], timeoutSeconds: 120 }));
    expect(body).toContain(`+++ ${hostile}`);
    expect(body).toContain("pkg/greeting");
    expect(readdirSync(dir).filter((f) => f.startsWith("pwned"))).toEqual([]);
    expect(readdirSync(process.cwd()).filter((f) => f.startsWith("pwned"))).toEqual([]);
  });

  it("gives a clear error when diffoscope is not installed", async () => {
    const { published, rebuilt } = await tarballs();
    const missing = join(tmpdir(), "no-such-dir", "diffoscope");
    await expect(runDiffoscope(published, rebuilt, { args: [], timeoutSeconds: 60, command: missing })).rejects.toThrow(DiffoscopeError);
    await expect(runDiffoscope(published, rebuilt, { args: [], timeoutSeconds: 60, command: missing })).rejects.toThrow(/diffoscope is not available/);
  });

  it("stops when the job is aborted", async () => {
    const { published, rebuilt } = await tarballs();
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    await expect(runDiffoscope(published, rebuilt, { args: [], timeoutSeconds: 60, signal: controller.signal })).rejects.toThrow("shutting down");
  });
});
