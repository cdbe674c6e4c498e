/**
 * What the local slots can build: the backends that can run on this machine (configured ones
 * plus the built-in defaults for archlinux, debian and tails, the first of each distribution's
 * that can run) and the architectures to accept.
 * A slot claims only jobs for these, so it never takes a job it would have to fail.
 */
import { arch, endianness } from "node:os";
import type { Backend, BackendSettings } from "../../backends/backend.js";
import { builtInSettings, BUILT_IN_DISTROS, createBackend as registryCreateBackend } from "../../backends/registry.js";
import type { EngineConfig } from "../config.js";
import { assertSafeSegment } from "./download.js";

export type CreateBackend = (distro: string, settings: BackendSettings) => Backend;

export const DEFAULT_BACKEND_DISTROS = BUILT_IN_DISTROS;

export interface Capabilities {
  /** Runnable backends by the name jobs carry in build_inputs.backend. */
  backends: Map<string, Backend>;
  /** Backends that were configured or are built in but cannot run here, with the reason. */
  unavailable: Map<string, string>;
  architectures: string[];
}

/** The machine's architecture in rebuilderd-worker's (Rust) naming; the scheduler adds aliases such as amd64. */
export function nativeArchitecture(): string {
  const names: Record<string, string> = { x64: "x86_64", arm64: "aarch64", ia32: "x86", riscv64: "riscv64", s390x: "s390x", loong64: "loongarch64" };
  if (arch() === "ppc64") return endianness() === "LE" ? "powerpc64le" : "powerpc64";
  return names[arch()] ?? arch();
}

/** rebuilderd-worker's default is the native architecture only; arch-independent jobs are ours too. */
export function defaultArchitectures(): string[] {
  return [nativeArchitecture(), "all", "any"];
}

export async function resolveCapabilities(
  config: Pick<EngineConfig, "backends" | "supported_architectures">,
  create: CreateBackend = registryCreateBackend,
): Promise<Capabilities> {
  const backends = new Map<string, Backend>();
  const unavailable = new Map<string, string>();
  const distros = new Set([...DEFAULT_BACKEND_DISTROS, ...Object.keys(config.backends)]);
  for (const distro of distros) {
    const candidates = Object.hasOwn(config.backends, distro) ? [config.backends[distro]!] : builtInSettings(distro);
    const found = await firstRunnable(distro, candidates, create);
    if ("backend" in found) backends.set(distro, found.backend);
    else unavailable.set(distro, found.reason);
  }
  return { backends, unavailable, architectures: config.supported_architectures ?? defaultArchitectures() };
}

/** The first backend of `candidates` that can run here, or why none can (each kind's reason when there are several). */
async function firstRunnable(distro: string, candidates: BackendSettings[], create: CreateBackend): Promise<{ backend: Backend } | { reason: string }> {
  const reasons: string[] = [];
  try {
    // The name becomes the backend's cache directory under the data dir.
    assertSafeSegment(distro, "a backend");
    for (const settings of candidates) {
      const backend = create(distro, settings);
      const reason = await backend.unavailableReason();
      if (reason === null) return { backend };
      reasons.push(candidates.length > 1 ? `${backend.kind}: ${reason}` : reason);
    }
  } catch (err) {
    reasons.push((err as Error).message);
  }
  return { reason: reasons.join("; ") };
}
