/**
 * rebuilderd's package filter rules (reference A.2), applied per binary before grouping:
 * `excludes` first, then the first matching `include` rule decides, then the legacy
 * `maintainers` (prefix) / `pkgs` (glob) filters, and with no filter at all everything passes.
 */
import picomatch from "picomatch";
import type { FilterSubject } from "./report.js";
import type { IncludeRule, SyncProfile } from "./types.js";

/** Rust glob::Pattern semantics: anchored, case-sensitive, `*`, `?`, `[abc]`, `[!abc]`; no braces or extglobs. */
function compileGlobs(globs: string[] | undefined): ((s: string) => boolean) | null {
  if (!globs || globs.length === 0) return null;
  const matchers = globs.map((g) => picomatch(g, { dot: true, nobrace: true, noextglob: true, posix: true, nocase: false }));
  return (s) => matchers.some((m) => m(s));
}

interface CompiledRule {
  exclude: boolean;
  matches(subject: FilterSubject): boolean;
}

function compileRule(rule: IncludeRule): CompiledRule {
  const binary = compileGlobs(rule.binary_pkgs);
  const source = compileGlobs(rule.source_pkgs);
  return {
    exclude: rule.exclude,
    matches: (s) =>
      (rule.component === undefined || rule.component === s.component) &&
      (binary === null || binary(s.binaryName)) &&
      // A parser that gives no source name never matches a source rule.
      (source === null || (s.sourceName !== null && source(s.sourceName))) &&
      (rule.maintainer === undefined || s.maintainers.some((m) => m.startsWith(rule.maintainer!))),
  };
}

export function compileFilter(profile: Pick<SyncProfile, "excludes" | "include" | "maintainers" | "pkgs">): (subject: FilterSubject) => boolean {
  const excluded = compileGlobs(profile.excludes);
  const rules = profile.include.map(compileRule);
  const pkgs = compileGlobs(profile.pkgs);
  const noFilter = profile.include.length === 0 && profile.maintainers.length === 0 && profile.pkgs.length === 0;
  return (subject) => {
    if (excluded?.(subject.binaryName)) return false;
    for (const rule of rules) if (rule.matches(subject)) return !rule.exclude;
    if (noFilter) return true;
    return (
      profile.maintainers.some((prefix) => subject.maintainers.some((m) => m.startsWith(prefix))) || (pkgs?.(subject.binaryName) ?? false)
    );
  };
}

/** Whether the filter of compileFilter ever reads a subject's maintainers. */
export function filterReadsMaintainers(profile: Pick<SyncProfile, "include" | "maintainers">): boolean {
  return profile.maintainers.length > 0 || profile.include.some((rule) => rule.maintainer !== undefined);
}
