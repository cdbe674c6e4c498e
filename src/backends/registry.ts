/**
 * Chooses and builds the backend for a distribution from its `[backend."<distro>"]` table.
 * A table with a `path` and no `kind` is a rebuilderd backend script (kind "command"), so
 * rebuilderd-worker.conf files work unchanged; without either, the distribution's own tool is used.
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

const DEFAULT_KINDS = new Map([
  ["archlinux", "archlinux-repro"],
  ["debian", "debrebuild"],
  ["tails", "tails"],
]);

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
  const kind = DEFAULT_KINDS.get(distro);
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
