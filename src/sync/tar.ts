/**
 * Reads the regular-file entries of a tar stream (an Arch `.db`), one at a time, so a large
 * index is parsed while it is decompressed. Any problem becomes an IndexError naming the file
 * and, once known, the entry.
 */
import { CorruptDataError } from "../engine/compression.js";
import tarStream from "tar-stream";
import { IndexError } from "./report.js";

export interface TarFile {
  name: string;
  data: Uint8Array;
}

export interface TarReadOptions {
  /** Which regular files to read; the others are skipped without being buffered. */
  wanted(name: string): boolean;
  /** Bigger wanted entries are refused: protects memory against a hostile archive. */
  maxFileBytes: number;
}

const BLOCK = 512;

export async function* readTarFiles(
  input: AsyncIterable<Uint8Array>,
  file: string,
  options: TarReadOptions,
): AsyncGenerator<TarFile> {
  const extract = tarStream.extract();
  const tail = new TailBlock();
  let closed = false;
  extract.once("close", () => (closed = true));
  const feeding = feed(input, extract, tail, () => closed).catch((err: unknown) => {
    extract.destroy(err as Error);
  });

  let current: string | undefined;
  let previous: string | undefined;
  try {
    for await (const stream of extract) {
      const { name, type, size = 0 } = stream.header;
      current = name;
      if ((type === "file" || type === "contiguous-file") && options.wanted(name)) {
        if (size > options.maxFileBytes) {
          throw new IndexError(file, `entry is ${size} bytes, more than the ${options.maxFileBytes} allowed`, name);
        }
        const chunks: Uint8Array[] = [];
        for await (const chunk of stream) chunks.push(chunk as Uint8Array);
        yield { name, data: Buffer.concat(chunks) };
      } else {
        for await (const _ of stream); // drained here, so a truncation inside it is reported with its name
      }
      previous = current;
      current = undefined;
    }
    await feeding;
  } catch (err) {
    throw asIndexError(err, file, current, previous);
  } finally {
    extract.destroy();
    await feeding;
  }
  // tar-stream accepts an archive cut off exactly between two entries; the end-of-archive
  // block (zeros) is the only evidence that no entries were lost.
  if (!tail.isEndOfArchive()) {
    throw asIndexError(new Error("truncated tar archive (no end-of-archive block)"), file, undefined, previous);
  }
}

async function feed(
  input: AsyncIterable<Uint8Array>,
  extract: tarStream.Extract,
  tail: TailBlock,
  isClosed: () => boolean,
): Promise<void> {
  for await (const lent of input) {
    if (isClosed()) return;
    // tar-stream keeps the chunks it is given, and decompressStream's are only lent.
    const chunk = Buffer.from(lent);
    tail.push(chunk);
    if (!extract.write(chunk)) await drainOrClose(extract, isClosed);
  }
  extract.end(undefined); // streamx's end(data?) is typed with a required argument
}

function drainOrClose(extract: tarStream.Extract, isClosed: () => boolean): Promise<void> {
  if (isClosed()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      extract.off("drain", done);
      extract.off("close", done);
      resolve();
    };
    extract.on("drain", done);
    extract.on("close", done);
  });
}

/** Remembers the last 512 bytes of a stream. */
class TailBlock {
  private last: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): void {
    this.last =
      chunk.length >= BLOCK ? chunk.subarray(chunk.length - BLOCK) : Buffer.concat([this.last, chunk]).subarray(-BLOCK);
  }

  isEndOfArchive(): boolean {
    return this.last.length === BLOCK && this.last.every((b) => b === 0);
  }
}

/** Names the entry being read, or else the last complete one, so the break can be located. */
function asIndexError(err: unknown, file: string, current: string | undefined, previous: string | undefined): IndexError {
  if (err instanceof IndexError) return err;
  const detail = err instanceof CorruptDataError ? err.detail : err instanceof Error ? err.message : String(err);
  if (current !== undefined || previous === undefined) return new IndexError(file, detail, current);
  return new IndexError(file, `${detail} (after entry ${JSON.stringify(previous)})`);
}
