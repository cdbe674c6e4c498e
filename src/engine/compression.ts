/**
 * The compression seam. gzip comes from node:zlib in both runtimes; xz from the machine's own
 * `xz` in a separate process, else from a WebAssembly decoder (same code under Node and Bun,
 * nothing downloaded at install time); zstd from Bun's built-in codec in the binary and from
 * zstd-napi under Node (Node 20's zlib has no zstd).
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, openSync, readSync, unlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";

export type Codec = "gzip" | "xz" | "zstd" | "bzip2" | "none";

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Content sniffing by magic bytes, as rebuilderd does (not by file name). */
export function sniffCodec(head: Uint8Array): Codec {
  const at = (i: number, ...bytes: number[]) => bytes.every((b, j) => head[i + j] === b);
  if (at(0, 0x1f, 0x8b)) return "gzip";
  if (at(0, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return "xz";
  if (at(0, ...ZSTD_MAGIC)) return "zstd";
  if (at(0, 0x42, 0x5a, 0x68)) return "bzip2";
  return "none";
}

export function isZstd(data: Uint8Array): boolean {
  return sniffCodec(data) === "zstd";
}

interface ZstdImpl {
  compress(data: Uint8Array, level: number): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
  /** Stops as soon as the output exceeds `limit` bytes; see zstdDecompressCapped. */
  decompressCapped(data: Uint8Array, limit: number): Uint8Array;
}

/** Thrown when decoded data exceeds a cap; the same code node:zlib uses for `maxOutputLength`. */
export class OutputTooLargeError extends Error {
  readonly code = "ERR_BUFFER_TOO_LARGE";
  constructor(limit: number) {
    super(`decoded data larger than ${limit} bytes`);
  }
}

/**
 * Decodes with zstd-napi's low-level stream, one output buffer at a time, counting as it goes.
 * Its `decompress` would allocate whatever size a frame header declares, and its stream decodes
 * a whole input chunk before the reader can stop it: neither stops a bomb.
 */
function napiDecompressCapped(binding: typeof import("zstd-napi/binding.js"), data: Uint8Array, limit: number): Uint8Array {
  const dctx = new binding.DCtx();
  const outSize = binding.dStreamOutSize();
  const chunks: Buffer[] = [];
  let size = 0;
  let src = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (;;) {
    const dst = Buffer.allocUnsafe(outSize);
    const [ret, produced, consumed] = dctx.decompressStream(dst, src);
    size += produced;
    if (size > limit) throw new OutputTooLargeError(limit);
    chunks.push(dst.subarray(0, produced));
    src = src.subarray(consumed);
    // ret 0: a frame ended; more input is a further frame. Otherwise zstd wants more input.
    if (src.length === 0 && ret === 0) break;
    if (src.length === 0 && produced < outSize) throw new Error("truncated zstd data");
  }
  return Buffer.concat(chunks);
}

function loadZstd(): ZstdImpl {
  if (typeof process.versions.bun === "string") {
    return {
      compress: (d, level) => Bun.zstdCompressSync(d, { level }),
      decompress: (d) => Bun.zstdDecompressSync(d),
      // Bun's node:zlib has zstd (Node 20's has not) and honours maxOutputLength while it decodes,
      // but returns what it has for truncated data: once it found the size within the limit,
      // Bun's own codec (which refuses truncated data) decodes the same bytes again.
      decompressCapped: (d, limit) => {
        try {
          zlib.zstdDecompressSync(d, { maxOutputLength: limit + 1 });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw new OutputTooLargeError(limit);
          throw err;
        }
        return Bun.zstdDecompressSync(d);
      },
    };
  }
  const require = createRequire(import.meta.url);
  const z = require("zstd-napi") as typeof import("zstd-napi");
  const binding = require("zstd-napi/binding.js") as typeof import("zstd-napi/binding.js");
  return {
    compress: (d, level) => z.compress(Buffer.from(d.buffer, d.byteOffset, d.byteLength), { compressionLevel: level }),
    decompress: (d) => z.decompress(Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
    decompressCapped: (d, limit) => napiDecompressCapped(binding, d, limit),
  };
}

let zstdImpl: ZstdImpl | undefined;
const zstd = () => (zstdImpl ??= loadZstd());

/** Level 11, as rebuilderd stores logs. */
export function zstdCompress(data: Uint8Array | string, level = 11): Uint8Array {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return new Uint8Array(zstd().compress(bytes, level));
}

export function zstdDecompress(data: Uint8Array): Uint8Array {
  return new Uint8Array(zstd().decompress(data));
}

/** Decodes untrusted data (request bodies): throws OutputTooLargeError once more than `limit` bytes come out, holding at most about that much. */
export function zstdDecompressCapped(data: Uint8Array, limit: number): Uint8Array {
  return new Uint8Array(zstd().decompressCapped(data, limit));
}

/** Stores blobs compressed exactly once: data that already is a zstd frame is kept as it is. */
export function ensureZstd(data: Uint8Array): Uint8Array {
  return isZstd(data) ? data : zstdCompress(data);
}

/** Undecodable data; `detail` is the message without the file name, for errors that name it themselves. */
export class CorruptDataError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** Whole-buffer decompression of any supported codec, sniffed from the content. */
export async function decompress(data: Uint8Array, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  // Copies: a chunk is only lent until the next one (see decompressStream).
  for await (const chunk of decompressStream(data, what)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export interface DecompressOptions {
  /** The native xz program; `null` forces the WebAssembly decoder. Default: `xz` from PATH. */
  xz?: string | null;
}

/**
 * Streams the decompressed bytes of a buffer in chunks, so large indexes are parsed while
 * they are decoded and never held whole in memory. Errors name `what` (a file or URL).
 * A chunk is lent, not given: its memory may be reused once the next chunk is asked for, so
 * a caller copies what it keeps.
 */
export async function* decompressStream(data: Uint8Array, what: string, options: DecompressOptions = {}): AsyncGenerator<Uint8Array> {
  const codec = sniffCodec(data);
  try {
    switch (codec) {
      case "none":
        yield data;
        return;
      case "gzip":
        for await (const c of Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]).pipe(createGunzip())) {
          yield c as Uint8Array;
        }
        return;
      case "zstd":
        yield zstdDecompress(data);
        return;
      case "xz": {
        const child = options.xz === null ? null : await startXz(options.xz ?? "xz", data);
        if (child) {
          yield* xzOutput(child, what);
          return;
        }
        // Loaded only when needed: compiling the WebAssembly would slow every start of the program.
        const { default: xzDecompress } = await import("xz-decompress");
        const stream = new xzDecompress.XzReadableStream(new Blob([data as Uint8Array<ArrayBuffer>]).stream());
        const reader = stream.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          yield value;
        }
        return;
      }
      case "bzip2":
        throw new CorruptDataError(what, "bzip2-compressed data is not supported");
    }
  } catch (err) {
    if (err instanceof CorruptDataError) throw err;
    throw new CorruptDataError(what, `corrupt or truncated ${codec} data (${(err as Error).message})`);
  }
}

/*
 * The native `xz` (XZ Utils, on every Debian and Arch system) is about three times faster than
 * the WebAssembly decoder and runs on another core while the caller parses what it has decoded
 * so far. Run without a shell; killed when the reader stops early.
 */
interface XzChild {
  /** What xz writes to stdout, as it comes. */
  output: AsyncIterable<Uint8Array>;
  /** Resolves once xz has exited and its output has ended, with the start of what it wrote to stderr. */
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
  /** Kills xz unless it has exited, and lets go of its output. */
  stop(): void;
}

// --no-warn: a warning (e.g. an unknown check type) must not turn a good exit into a failure.
const XZ_ARGS = ["--decompress", "--stdout", "--no-warn"];
const STDERR_KEPT = 4096;

/**
 * Where xz writes: a file in the temporary folder, read as it grows, rather than a pipe. A pipe
 * hands over 8–64 KB per wake-up: reading the bookworm slice's three pipes cost the parsing
 * process 0.4–0.5 CPU-s (mostly in the kernel), reading the files 1 MB at a time 0.11–0.15, on
 * the core that parses. The file's name is removed as soon as it is open, so nothing is left
 * behind, even by a killed sync; its pages stay in the page cache, not in this process, until it
 * is closed. Null when the folder is not writable: xz then writes to a pipe.
 */
function openSpool(): number | null {
  const path = join(tmpdir(), `rebuilder-xz-${process.pid}-${randomUUID()}`);
  let fd: number;
  try {
    fd = openSync(path, "wx+", 0o600);
  } catch {
    return null;
  }
  try {
    unlinkSync(path);
    return fd;
  } catch {
    closeSync(fd);
    return null;
  }
}

const SPOOL_READ = 1 << 20;
/** How long the reader waits when it has caught up with xz (milliseconds). */
const SPOOL_WAIT = 2;

/** Reads the spool from its start as xz fills it, until xz has exited and all it wrote is read. */
async function* readSpool(fd: number, exited: Promise<unknown>): AsyncGenerator<Uint8Array> {
  let ended = false;
  void exited.then(() => (ended = true));
  // One buffer for every read: fresh memory per megabyte cost as much again as the reads.
  const buffer = Buffer.allocUnsafe(SPOOL_READ);
  let position = 0;
  for (;;) {
    // Whether xz had ended before this read: then a read of nothing means the end of its output.
    const wasEnded = ended;
    const n = readSync(fd, buffer, 0, SPOOL_READ, position);
    if (n > 0) {
      position += n;
      yield buffer.subarray(0, n);
    } else if (wasEnded) {
      return;
    } else {
      await new Promise((resolve) => setTimeout(resolve, SPOOL_WAIT));
    }
  }
}

/** Starts `command` on `data`, or resolves to null when it cannot be started (not installed). */
function startXz(command: string, data: Uint8Array): Promise<XzChild | null> {
  // Untranslated messages: they end up in our error text.
  const env = { ...process.env, LC_ALL: "C" };
  let spool = openSpool();
  const releaseSpool = () => {
    if (spool !== null) closeSync(spool);
    spool = null;
  };
  return new Promise((resolve) => {
    const child = spawn(command, XZ_ARGS, { stdio: ["pipe", spool ?? "pipe", "pipe"], env });
    child.once("error", () => (releaseSpool(), resolve(null)));
    child.once("spawn", () => {
      const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
        child.once("close", (code, signal) => resolve({ code, signal, stderr })),
      );
      let stderr = "";
      child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text.slice(0, STDERR_KEPT - stderr.length)));
      // xz stops reading at the first corrupt byte: the broken pipe is expected, its exit status tells.
      child.stdin!.on("error", () => {});
      child.stdin!.end(data);
      resolve({
        output: spool === null ? child.stdout! : readSpool(spool, exited),
        exited,
        stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          releaseSpool();
        },
      });
    });
  });
}

/** Yields the output of a started xz; throws CorruptDataError when xz fails. */
async function* xzOutput(child: XzChild, what: string): AsyncGenerator<Uint8Array> {
  try {
    yield* child.output;
    const { code, signal, stderr } = await child.exited;
    if (code !== 0) {
      const message = stderr.trim().replace(/^xz: \(stdin\): /, "") || (signal ? `xz killed by ${signal}` : `xz exit code ${code}`);
      throw new CorruptDataError(what, `corrupt or truncated xz data (${message})`);
    }
  } finally {
    child.stop();
  }
}
