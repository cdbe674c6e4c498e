/** rebuilderd's alias pairs (reference §3.3 pop, step 3): a worker offering one also gets the other. */
const ALIASES: Record<string, string> = {
  x86: "i386",
  i386: "x86",
  x86_64: "amd64",
  amd64: "x86_64",
  aarch64: "arm64",
  arm64: "aarch64",
  powerpc64: "ppc64",
  ppc64: "powerpc64",
};

/** The architectures a worker accepts, aliases added; "*" (cross-building workers) accepts any. */
export function expandArchitectures(architectures: string[]): string[] | "*" {
  if (architectures.includes("*")) return "*";
  const out = new Set(architectures);
  for (const a of architectures) {
    const alias = Object.hasOwn(ALIASES, a) ? ALIASES[a] : undefined;
    if (alias) out.add(alias);
  }
  return [...out];
}
