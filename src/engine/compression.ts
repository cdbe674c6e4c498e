/**
 * The compression seam. gzip comes from node:zlib in both runtimes; xz from a WebAssembly
 * decoder (same code under Node and Bun, nothing downloaded at install time); zstd from Bun's
 * built-in codec in the binary and from zstd-napi under Node (Node 20's zlib has no zstd).
 */
import { createRequire } from "node:module";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import xzDecompress from "xz-decompress";

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
}

function loadZstd(): ZstdImpl {
  if (typeof process.versions.bun === "string") {
    return {
      compress: (d, level) => Bun.zstdCompressSync(d, { level }),
      decompress: (d) => Bun.zstdDecompressSync(d),
    };
  }
  const z = createRequire(import.meta.url)("zstd-napi") as typeof import("zstd-napi");
  return {
    compress: (d, level) => z.compress(Buffer.from(d.buffer, d.byteOffset, d.byteLength), { compressionLevel: level }),
    decompress: (d) => z.decompress(Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
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
  for await (const chunk of decompressStream(data, what)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Streams the decompressed bytes of a buffer in chunks, so large indexes are parsed while
 * they are decoded and never held whole in memory. Errors name `what` (a file or URL).
 */
export async function* decompressStream(data: Uint8Array, what: string): AsyncGenerator<Uint8Array> {
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

