/**
 * Builds a small Debian mirror in a temp directory: index files (compressed with the real xz
 * or gzip), a Release listing their SHA256 and size, signed into InRelease with a test key.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { onTestFinished } from "vitest";
import type { TestKey } from "./gpgv-test-key.js";

export const fixture = (name: string) => readFileSync(new URL(`../fixtures/debian/${name}`, import.meta.url), "utf8");

export const xz = (text: string | Uint8Array): Buffer => execFileSync("xz", ["-c"], { input: text });
export const gz = (text: string | Uint8Array): Buffer => gzipSync(text);

export interface MirrorOptions {
  release?: string;
  /** Paths relative to dists/<release>/ → file content. */
  files: Record<string, string | Uint8Array>;
  /** Signs InRelease with this key; without one, InRelease is the unsigned Release text. */
  key?: TestKey;
  /** Extra Release header lines, e.g. "Valid-Until: ...". */
  header?: string;
  /** The Codename the Release claims; default the release name. */
  codename?: string;
}

export interface TestMirror {
  root: string;
  dists: string;
  releaseText: string;
}

export function releaseText(codename: string, files: Record<string, string | Uint8Array>, header = ""): string {
  const lines = Object.entries(files).map(([path, content]) => {
    const bytes = typeof content === "string" ? Buffer.from(content) : content;
    return ` ${createHash("sha256").update(bytes).digest("hex")} ${bytes.byteLength} ${path}`;
  });
  return `Origin: Test\nSuite: unstable\nCodename: ${codename}\n${header}SHA256:\n${lines.join("\n")}\n`;
}

/** Call inside a test: the mirror is removed when the test finishes. */
export function buildMirror({ release = "sid", files, key, header, codename = release }: MirrorOptions): TestMirror {
  const root = mkdtempSync(join(tmpdir(), "rebuilder-mirror-"));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const dists = join(root, "dists", release);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dists, path)), { recursive: true });
    writeFileSync(join(dists, path), content);
  }
  const text = releaseText(codename, files, header);
  writeFileSync(join(dists, "InRelease"), key ? key.clearsign(text) : text);
  return { root, dists, releaseText: text };
}
