/**
 * npm run e2e:debian — a real rebuild, end to end, through the CLI: sync one-package profiles
 * from the Debian mirror named in this machine's apt sources, rebuild them with the
 * debian-archive backend, and check the verdicts a user would see:
 *   tzdata (bookworm) and ca-certificates (bookworm-updates) reproduce bit for bit → GOOD,
 *   each with a signed attestation;
 *   hello (bookworm) does not (its binary embeds the build year) → BAD, with a diffoscope
 *   report naming the differing files.
 * tzdata is taken from bookworm, not bookworm-updates: the mirror's bookworm-updates still lists
 * an older tzdata whose source files are gone from the pool (HTTP 404), so it cannot be rebuilt.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { machineDebianMirror } from "../../src/engine/apt-sources.js";
import { publicKeyPem, loadOrCreateSigningKey, publicKeyFromPem, verifyAttestation } from "../../src/engine/evidence/index.js";
import { signingKeyPath } from "../../src/engine/engine.js";

const cli = resolve(import.meta.dirname, "../../bin/rebuilder-node.mjs");
const dataDir = mkdtempSync(join(tmpdir(), "rebuilder-e2e-debian-"));
const config = join(dataDir, "rebuilder.conf");
writeFileSync(config, `[backend."debian"]\nkind = "debian-archive"\n\n[slots]\ncount = 1\n\n[diffoscope]\nenabled = true\n`);

function rebuilder(...args: string[]): string {
  process.stderr.write(`$ rebuilder ${args.join(" ")}\n`);
  return execFileSync(process.execPath, [cli, "--data-dir", dataDir, "-c", config, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 28 });
}

function check(ok: boolean, what: string): void {
  process.stdout.write(`${ok ? "ok" : "FAILED"}: ${what}\n`);
  if (!ok) process.exitCode = 1;
}

const mirror = machineDebianMirror();
if (!mirror) throw new Error("no Debian mirror in this machine's apt sources");

const sync = (release: string, architecture: string, ...pkgs: string[]) =>
  rebuilder("pkgs", "sync", "debian", mirror, "--release", release, "--component", "main", "--architecture", architecture, ...pkgs.flatMap((p) => ["--pkg", p]));
sync("bookworm-updates", "all", "ca-certificates");
sync("bookworm", "all", "tzdata");
sync("bookworm", "amd64", "hello");
const summary = JSON.parse(rebuilder("build", "--until-idle", "--json"));
process.stdout.write(`build summary: ${JSON.stringify(summary)}\n`);

const pkg = (name: string) => JSON.parse(rebuilder("pkgs", "ls", "--json", "--name", name))[0];
const key = publicKeyFromPem(publicKeyPem(loadOrCreateSigningKey(signingKeyPath(dataDir))));
for (const name of ["tzdata", "ca-certificates"]) {
  const p = pkg(name);
  check(p?.status === "GOOD", `${name} ${p?.version} (${p?.release}) rebuilds bit for bit: ${p?.status}`);
  if (p?.status !== "GOOD") continue;
  const attestation = new TextEncoder().encode(rebuilder("pkgs", "attestation", "--name", name).trim());
  check(verifyAttestation(attestation, key), `${name}'s attestation is signed by the engine's key`);
}
const hello = pkg("hello");
check(hello?.status === "BAD", `hello ${hello?.version} (bookworm) does not rebuild identically: ${hello?.status}`);
if (hello?.status === "BAD") {
  const report = rebuilder("pkgs", "diffoscope", "--name", "hello");
  check(/usr\/bin\/hello|data\.tar/.test(report), "the diffoscope report names the differing files");
}
if (process.exitCode) process.stderr.write(`build logs: rebuilder --data-dir ${dataDir} pkgs log --name <pkg>\n`);
