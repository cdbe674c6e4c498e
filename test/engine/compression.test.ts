/** xz decoding: the machine's native xz and the WebAssembly fallback give the same bytes and the same errors. */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CorruptDataError, decompress, decompressStream, type DecompressOptions } from "../../src/engine/compression.js";
import { DEBIAN_MIRROR } from "../support/test-data.js";

/** A few hundred KB of index-like text, compressed by the real xz. */
const text = Buffer.from(
  Array.from({ length: 4000 }, (_, i) => `Package: pkg${i}\nVersion: ${i}.0-1\nDescription: line ${i * 7919}\n`).join("\n"),
);
const compressed = new Uint8Array(execFileSync("xz", ["-c", "-6"], { input: text }));

const decoders: [string, DecompressOptions][] = [
  ["native xz", {}],
  ["WebAssembly (forced)", { xz: null }],
  ["WebAssembly (no xz program found)", { xz: "/nonexistent/bin/xz" }],
];

async function drain(data: Uint8Array, options: DecompressOptions): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  // Copies: a chunk is only lent until the next one.
  for await (const chunk of decompressStream(data, "dists/x/Packages.xz", options)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe.each(decoders)("xz through the %s decoder", (_, options) => {
  it("gives back the exact bytes", async () => {
    expect((await drain(compressed, options)).equals(text)).toBe(true);
  });

  it("refuses a truncated stream with a CorruptDataError naming the file", async () => {
    const err = await drain(compressed.subarray(0, compressed.length - 100), options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as Error).message).toMatch(/^dists\/x\/Packages\.xz: corrupt or truncated xz data \(.+\)$/);
  });

  it("refuses a garbled stream with a CorruptDataError naming the file", async () => {
    const garbled = compressed.slice();
    for (let i = 200; i < 400; i++) garbled[i] = garbled[i]! ^ 0x5a;
    const err = await drain(garbled, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as Error).message).toMatch(/^dists\/x\/Packages\.xz: corrupt or truncated xz data \(.+\)$/);
  });
});

/** The pids of our xz children that still run (a killed one may linger as a zombie until it is reaped). */
function xzChildren(): string[] {
  return readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      const [, comm, state, ppid] = /^\d+ \((.*)\) (\S) (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))!;
      return comm === "xz" && state !== "Z" && Number(ppid) === process.pid;
    } catch {
      return false; // The process ended while we looked.
    }
  });
}

const runningXzChildren = (): number => xzChildren().length;

/** Where our running xz child writes (the target of its stdout), or null when none runs. */
function xzStdout(): string | null {
  const [pid] = xzChildren();
  return pid === undefined ? null : readlinkSync(`/proc/${pid}/fd/1`);
}

describe("native xz process", () => {
  it("is killed when the reader stops early, and the next decode still works", async () => {
    // 22 MB decompressed: xz is still writing when we stop after the first chunk.
    const large = new Uint8Array(readFileSync(join(DEBIAN_MIRROR, "dists/bookworm/main/binary-all/Packages.xz")));
    for await (const chunk of decompressStream(large, "a.xz")) {
      expect(runningXzChildren()).toBe(1);
      expect(chunk.byteLength).toBeGreaterThan(0);
      break;
    }
    // SIGKILL is sent at once; the process is gone once the kernel has handled it.
    for (let waited = 0; runningXzChildren() > 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runningXzChildren()).toBe(0);
    expect((await drain(compressed, {})).equals(text)).toBe(true);
  });
});

describe("native xz output", () => {
  const path = join(DEBIAN_MIRROR, "dists/bookworm/main/binary-all/Packages.xz");
  const large = new Uint8Array(readFileSync(path));

  it("goes through a file in the temporary folder whose name is already gone", async () => {
    for await (const _ of decompressStream(large, "a.xz")) {
      // Linux shows an unlinked file's former name with " (deleted)".
      const spool = xzStdout()!.replace(/ \(deleted\)$/, "");
      expect(spool.startsWith(join(tmpdir(), "rebuilder-xz-"))).toBe(true);
      expect(existsSync(spool)).toBe(false);
      break;
    }
  });

  it("goes through a pipe, with the same bytes, when the temporary folder cannot be written", async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = "/nonexistent/rebuilder-tmp";
    try {
      for await (const _ of decompressStream(large, "a.xz")) {
        // Node hands a child a socket pair where Bun hands it a pipe.
        expect(xzStdout()).toMatch(/^(pipe|socket):\[/);
        break;
      }
      expect(Buffer.from(await decompress(large, path)).equals(execFileSync("xz", ["-dc", path], { maxBuffer: 64 << 20 }))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe("decompress", () => {
  it("returns the whole output of a file many chunks long, byte for byte as xz -dc writes it", async () => {
    const path = join(DEBIAN_MIRROR, "dists/bookworm/main/binary-all/Packages.xz");
    const expected = execFileSync("xz", ["-dc", path], { maxBuffer: 64 << 20 });
    const actual = await decompress(new Uint8Array(readFileSync(path)), path);
    expect(actual.byteLength).toBe(expected.byteLength);
    expect(Buffer.from(actual).equals(expected)).toBe(true);
  });

  it("leaves nothing in the temporary folder, also when the reader stops early", async () => {
    const large = new Uint8Array(readFileSync(join(DEBIAN_MIRROR, "dists/bookworm/main/binary-all/Packages.xz")));
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith("rebuilder-xz-"));
    await decompress(large, "a.xz");
    for await (const _ of decompressStream(large, "a.xz")) break;
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith("rebuilder-xz-"))).toEqual(before);
  });
});
