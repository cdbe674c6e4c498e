/**
 * Everything drawn on a terminal passes through here: text from indexes, remote answers and
 * build logs may carry control sequences, which are made visible instead of executed.
 */
// C0 controls except tab and newline, DEL, and C1 controls.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function safe(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
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
