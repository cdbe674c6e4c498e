/**
 * Chooses and builds the backend for a distribution from its `[backend."<distro>"]` table.
 * A table with a `path` and no `kind` is a rebuilderd backend script (kind "command"), so
 * rebuilderd-worker.conf files work unchanged; without either, the distribution's own tool is used.
 * A distribution without any table builds with the first of its built-in backends that can run here.
 */
import { ArchlinuxReproBackend } from "./archlinux-repro.js";
import type { Backend, BackendSettings } from "./backend.js";
import { CommandBackend } from "./command.js";
import { DebianArchiveBackend } from "./debian-archive.js";
import { DebrebuildBackend } from "./debrebuild.js";
import { BackendConfigError } from "./settings.js";
import { TailsBackend } from "./tails.js";

const FACTORIES = new Map<string, (settings: BackendSettings) => Backend>([
  ["archlinux-repro", (settings) => new ArchlinuxReproBackend(settings)],
  ["debrebuild", (settings) => new DebrebuildBackend(settings)],
  ["tails", (settings) => new TailsBackend(settings)],
  ["command", (settings) => new CommandBackend(settings)],
  ["debian-archive", (settings) => new DebianArchiveBackend(settings)],
]);

export const BACKEND_KINDS: readonly string[] = [...FACTORIES.keys()];

/**
 * Each distribution's built-in backends, in order of preference. debrebuild reproduces the
 * original build environment but needs a configured mirror and a snapshot service;
 * debian-archive needs only the index's own mirror, so a machine without either still builds.
 */
const BUILT_IN_KINDS = new Map([
  ["archlinux", ["archlinux-repro"]],
  ["debian", ["debrebuild", "debian-archive"]],
  ["tails", ["tails"]],
]);

/** Distributions that have a built-in backend even without a `[backend."<distro>"]` table. */
export const BUILT_IN_DISTROS: readonly string[] = [...BUILT_IN_KINDS.keys()];

/** The settings of each built-in backend of `distro` (none for others), in order of preference. */
export function builtInSettings(distro: string): BackendSettings[] {
  return (BUILT_IN_KINDS.get(distro) ?? []).map((kind) => ({ kind }));
}

/** The kind a `[backend."<distro>"]` table selects. */
export function backendKind(distro: string, settings: BackendSettings): string {
  if (settings.kind !== undefined) {
    if (typeof settings.kind !== "string" || !FACTORIES.has(settings.kind)) {
      throw new BackendConfigError(
        `[backend.${JSON.stringify(distro)}]: unknown kind ${JSON.stringify(settings.kind)}; known kinds: ${BACKEND_KINDS.join(", ")}`,
      );
    }
    return settings.kind;
  }
  if (settings.path !== undefined) return "command";
  const kind = BUILT_IN_KINDS.get(distro)?.[0];
  if (kind === undefined) {
    throw new BackendConfigError(
      `[backend.${JSON.stringify(distro)}]: no built-in backend for this distribution; set \`path\` to a rebuilderd backend script or \`kind\` to one of ${BACKEND_KINDS.join(", ")}`,
    );
  }
  return kind;
}

export function createBackend(distro: string, settings: BackendSettings): Backend {
  const kind = backendKind(distro, settings);
  const factory = FACTORIES.get(kind);
  if (factory === undefined) throw new BackendConfigError(`unknown backend kind ${kind}`);
  try {
    return factory(settings);
  } catch (error) {
    if (error instanceof BackendConfigError) {
      throw new BackendConfigError(`[backend.${JSON.stringify(distro)}] (${kind}): ${error.message}`);
    }
    throw error;
  }
}
