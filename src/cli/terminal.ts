/**
 * Everything drawn on a terminal passes through here: text from indexes, remote answers and
 * build logs may carry control sequences, which are made visible instead of executed.
 */
// C0 controls except tab and newline, DEL, and C1 controls.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function safe(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * Whole escape sequences, 7-bit and 8-bit: CSI (colours, cursor moves, clear-screen), OSC
 * (window titles, OSC 8 links; ended by BEL or ST, or unterminated), DCS/SOS/PM/APC strings,
 * and two-byte ESC sequences. Removing only the ESC byte would leave the rest drawn as text.
 */
const ESCAPE_SEQUENCE =
  /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|(?:\u001b[\]PX^_]|[\u009d\u0090\u0098\u009e\u009f])[^\u0007\u009c\u001b]*(?:\u0007|\u009c|\u001b\\)?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
// Bidirectional overrides and isolates: they reorder what follows on the line.
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * For full-screen drawing (the TUI): escape sequences and bidi controls are removed, remaining
 * C0/C1 controls (carriage returns included) too, and tabs become spaces so widths are right.
 * Newlines are kept; single-line fields use `oneLine`.
 */
export function stripControls(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "").replace(BIDI, "").replace(/\t/g, "    ").replace(CONTROL, "");
}

/** A name or reason from outside, drawn on one line. */
export function oneLine(text: string): string {
  return stripControls(text).replace(/\n/g, " ");
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A status line redrawn in place on a terminal, silent elsewhere. */
export class StatusLine {
  private last = 0;
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  /** Redraws at most every 80 ms, unless `force`: a new phase is always shown. */
  update(text: string, force = false): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (!force && now - this.last < 80) return;
    this.last = now;
    const width = this.stream.columns || 100;
    this.stream.write(`\r\x1b[K${safe(text).slice(0, width - 1)}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write("\r\x1b[K");
    this.shown = false;
  }
}
