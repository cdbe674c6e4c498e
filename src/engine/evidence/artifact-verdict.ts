/** The verdict on one artifact, as the worker slots record it. */
export type ArtifactVerdict = {
  status: "GOOD" | "BAD";
  /** Why it is BAD; null when GOOD. */
  reason: string | null;
  /** What a GOOD verdict had to overlook, e.g. "RPM: ignored signature (DSAHEADER)". */
  note: string | null;
};

export const good = (note: string | null = null): ArtifactVerdict => ({ status: "GOOD", reason: null, note });

export const bad = (reason: string): ArtifactVerdict => ({ status: "BAD", reason, note: null });
