/** Store timestamps: UTC "YYYY-MM-DD HH:MM:SS.fff" (sortable as text, what SQLite's datetime() compares with). */
export function toDbTime(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

export function nowDb(): string {
  return toDbTime(new Date());
}

export function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

/**
 * Wire form used by rebuilderd (chrono NaiveDateTime): "T" separator, no zone suffix,
 * fraction only when non-zero (3 digits here, since we keep milliseconds).
 */
export function toWireTime(db: string | null): string | null {
  if (db == null) return null;
  const [base, frac] = db.replace(" ", "T").split(".");
  if (!frac || /^0*$/.test(frac)) return base!;
  return `${base}.${frac.padEnd(3, "0").slice(0, 3)}`;
}

export function fromDbTime(db: string): Date {
  return new Date(db.replace(" ", "T") + "Z");
}

/**
 * Parses the wire form (chrono NaiveDateTime: "T" separator, 1–9 fraction digits, no zone) as UTC.
 * A zone suffix is refused, as rebuilderd refuses it. Null when the text is not in that form.
 */
export function parseWireTime(text: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) return null;
  const date = new Date(`${m[1]}.${(m[2] ?? "0").padEnd(3, "0").slice(0, 3)}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}
