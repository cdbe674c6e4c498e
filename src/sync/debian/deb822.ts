/**
 * A streaming reader for Debian control files (deb822: `Sources`, `Packages`, `Release`).
 * Hand-written because the indexes are ~50 MB each and must be parsed while they are
 * decompressed, at a fraction of the cost of decompressing: it works on the bytes, finds
 * lines with a native indexOf, keeps only the unfinished last line between chunks, and turns
 * into strings only the fields asked for (fresh strings, so no chunk stays alive through them).
 */
import { IndexError } from "../report.js";

export type Stanza<K extends string> = { [P in K]?: string };

export type StanzaHandler<K extends string> = (stanza: Stanza<K>, ordinal: number) => void;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

const isBlank = (c: number | undefined) => c === SPACE || c === TAB || c === CR;

/** Buffer's latin1 decoder without toString's dispatch on the encoding name: Node and Bun both have it, untyped. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Buffer, start: number, end: number): string }).latin1Slice;

/**
 * Field values are ASCII nearly always; UTF-8 (names in Maintainer) is decoded when present.
 * ASCII is cut with latin1Slice: for these short values Bun's `toString("latin1", …)` costs
 * ~430 ns against ~115 (a third of a core-second over the bookworm slice); Node's ~170 against ~110.
 */
function decodeValue(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return buf.toString("utf8", start, end);
  return latin1Slice.call(buf, start, end);
}

/** The value of a line from `start`, without surrounding blanks. */
function trimmed(buf: Buffer, start: number, end: number): string {
  while (start < end && isBlank(buf[start])) start++;
  while (end > start && isBlank(buf[end - 1])) end--;
  return decodeValue(buf, start, end);
}

/** The value a field listed in `checkOnly` gets when it is not empty: its text is never decoded. */
export const PRESENT = "(present)";

/** Whether [start, end) holds anything but blanks. */
function hasText(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isBlank(buf[i])) return true;
  return false;
}

interface WantedField<K> {
  key: K;
  /** "Key:" as bytes. */
  prefix: Uint8Array;
  /** Only checked for presence (see PRESENT), not decoded. */
  checkOnly: boolean;
  /** The value of the field's first line in the last stanza that had it. */
  last: string | undefined;
}

/** Whether [start, end) is the ASCII text of `value`. */
function isAsciiOf(buf: Buffer, start: number, end: number, value: string): boolean {
  if (value.length !== end - start) return false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80 || c !== value.charCodeAt(i - start)) return false;
  }
  return true;
}

/**
 * The trimmed value of a field's first line. Consecutive stanzas often repeat one (the binaries
 * of one source share Source, Version and Architecture): the last string is then reused instead
 * of decoding another, which saves time and the memory of all the copies.
 */
function firstLineValue(field: WantedField<unknown>, buf: Buffer, start: number, end: number): string {
  while (start < end && isBlank(buf[start])) start++;
  while (end > start && isBlank(buf[end - 1])) end--;
  if (field.last !== undefined && isAsciiOf(buf, start, end, field.last)) return field.last;
  return (field.last = decodeValue(buf, start, end));
}

/**
 * Push bytes in any pieces; `onStanza` gets each paragraph with the wanted fields (value
 * trimmed, continuation lines joined with "\n") and its 1-based ordinal in the file. The
 * last paragraph needs no trailing blank line. Field names are matched case-sensitively, in
 * the canonical spelling the archive uses.
 */
export class Deb822Parser<K extends string> {
  /** Wanted fields, bucketed by their first byte. */
  private readonly byFirstByte: WantedField<K>[][] = [];
  private rest: Buffer | null = null;
  /** Every field present from the start, so all stanzas share one object shape. */
  private readonly empty: Stanza<K>;
  private stanza: Stanza<K>;
  private stanzaHasLines = false;
  private currentKey: K | null = null;
  private currentCheckOnly = false;
  private count = 0;

  /**
   * `checkOnly`: fields of `fields` whose value is only checked for presence: "" when empty,
   * else PRESENT. Decoding a string per field is most of the cost of parsing.
   */
  constructor(
    private readonly file: string,
    fields: readonly K[],
    private readonly onStanza: StanzaHandler<K>,
    checkOnly: readonly K[] = [],
  ) {
    for (const key of fields) {
      (this.byFirstByte[key.charCodeAt(0)] ??= []).push({ key, prefix: Buffer.from(`${key}:`), checkOnly: checkOnly.includes(key), last: undefined });
    }
    this.empty = Object.fromEntries(fields.map((key) => [key, undefined])) as Stanza<K>;
    this.stanza = { ...this.empty };
  }

  /** Stanzas seen so far. */
  get stanzas(): number {
    return this.count;
  }

  push(chunk: Uint8Array): void {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let p = 0;
    if (this.rest) {
      // Only the line cut by the chunk border is joined, not the whole chunk copied.
      const e = buf.indexOf(LF);
      if (e < 0) {
        this.rest = Buffer.concat([this.rest, buf]);
        return;
      }
      const joined = Buffer.concat([this.rest, buf.subarray(0, e)]);
      this.rest = null;
      this.line(joined, 0, joined.length);
      p = e + 1;
    }
    for (;;) {
      const e = buf.indexOf(LF, p);
      if (e < 0) break;
      this.line(buf, p, e);
      p = e + 1;
    }
    // A copy: the decompressor may hand out views of memory it reuses.
    this.rest = p < buf.length ? Buffer.from(buf.subarray(p)) : null;
  }

  end(): void {
    if (this.rest) this.line(this.rest, 0, this.rest.length);
    this.rest = null;
    this.flush();
  }

  private line(buf: Buffer, p: number, e: number): void {
    if (p === e) return this.flush();
    const c = buf[p]!;
    if (c === SPACE || c === TAB) {
      if (this.currentKey !== null) {
        // A continuation line makes a field non-empty, even a blank one (the value holds its "\n").
        this.stanza[this.currentKey] = this.currentCheckOnly ? PRESENT : `${this.stanza[this.currentKey]}\n${trimmed(buf, p, e)}`;
      }
      else if (!this.stanzaHasLines && trimmed(buf, p, e) !== "") this.fail("continuation line without a field");
      return;
    }
    this.stanzaHasLines = true;
    const candidates = this.byFirstByte[c];
    if (candidates) {
      for (const field of candidates) {
        const { key, prefix, checkOnly } = field;
        if (!startsWith(buf, p, e, prefix)) continue;
        if (this.stanza[key] !== undefined) this.fail(`field ${key} appears twice`);
        const start = p + prefix.length;
        this.stanza[key] = checkOnly ? (hasText(buf, start, e) ? PRESENT : "") : firstLineValue(field, buf, start, e);
        this.currentKey = key;
        this.currentCheckOnly = checkOnly;
        return;
      }
    }
    this.currentKey = null;
    let colon = p;
    while (colon < e && buf[colon] !== COLON) colon++;
    if (colon === p || colon === e) this.fail(`malformed line ${JSON.stringify(decodeValue(buf, p, Math.min(e, p + 80)))}`);
  }

  private flush(): void {
    if (!this.stanzaHasLines) return;
    this.count++;
    const stanza = this.stanza;
    this.stanza = { ...this.empty };
    this.stanzaHasLines = false;
    this.currentKey = null;
    this.onStanza(stanza, this.count);
  }

  private fail(detail: string): never {
    const name = (this.stanza as Record<string, string | undefined>).Package;
    throw new IndexError(this.file, `${detail} (paragraph ${this.count + 1})`, name);
  }
}

/** Whether the line [p, e) starts with `prefix`; its first byte already matched the bucket. */
function startsWith(buf: Buffer, p: number, e: number, prefix: Uint8Array): boolean {
  if (e - p < prefix.length) return false;
  for (let i = 1; i < prefix.length; i++) if (buf[p + i] !== prefix[i]) return false;
  return true;
}

const PROGRESS_EVERY = 5000;

/**
 * Parses a decompressed byte stream. `onProgress` gets the stanza count every few thousand
 * stanzas and at the end.
 */
export async function parseDeb822Stream<K extends string>(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  fields: readonly K[],
  onStanza: StanzaHandler<K>,
  onProgress: (stanzas: number) => void = () => {},
  checkOnly: readonly K[] = [],
): Promise<void> {
  const parser = new Deb822Parser(
    file,
    fields,
    (stanza, ordinal) => {
      onStanza(stanza, ordinal);
      if (ordinal % PROGRESS_EVERY === 0) onProgress(ordinal);
    },
    checkOnly,
  );
  for await (const chunk of chunks) parser.push(chunk);
  parser.end();
  onProgress(parser.stanzas);
}

/** Throws an IndexError naming the first of `fields` that the stanza lacks or leaves empty. */
export function requireFields<K extends string>(file: string, stanza: Stanza<K>, fields: readonly K[], ordinal: number): void {
  for (const field of fields) {
    if (!stanza[field]) {
      const name = (stanza as Record<string, string | undefined>).Package;
      throw new IndexError(file, `paragraph ${ordinal} has no ${field} field`, name);
    }
  }
}

/** Parses a small control file held in memory. */
export function parseDeb822Text<K extends string>(file: string, text: string, fields: readonly K[]): Stanza<K>[] {
  const stanzas: Stanza<K>[] = [];
  const parser = new Deb822Parser(file, fields, (s) => stanzas.push(s));
  parser.push(Buffer.from(text));
  parser.end();
  return stanzas;
}
