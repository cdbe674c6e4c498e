/** Numbers and times as the views show them. Wire times are UTC without a zone suffix. */
export function fromWire(t: string): number {
  return Date.parse(`${t}Z`);
}

/** `1h 02m`, `3m 07s`, `42s`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h ${two(m)}m`;
  if (m > 0) return `${m}m ${two(s % 60)}s`;
  return `${s}s`;
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? "–" : `${((100 * part) / whole).toFixed(1)}%`;
}

export function count(n: number): string {
  return n.toLocaleString("en");
}

/** Pads or cuts to exactly `width` columns (names are sanitized before). */
export function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

/** `2026-12-02 04:17` from a wire time. */
export function shortTime(t: string | null): string {
  return t ? t.replace("T", " ").slice(0, 16) : "never";
}
