/**
 * What the local slots can build: the backends that can run on this machine (configured ones
 * plus the built-in defaults for archlinux, debian and tails) and the architectures to accept.
 * A slot claims only jobs for these, so it never takes a job it would have to fail.
 */
import { arch, endianness } from "node:os";
import type { Backend, BackendSettings } from "../../backends/backend.js";
import { createBackend as registryCreateBackend } from "../../backends/registry.js";
import type { EngineConfig } from "../config.js";
import { assertSafeSegment } from "./download.js";

export type CreateBackend = (distro: string, settings: BackendSettings) => Backend;

/** Distributions that have a built-in backend even without a `[backend."<distro>"]` table. */
export const DEFAULT_BACKEND_DISTROS = ["archlinux", "debian", "tails"];

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
    try {
      // The name becomes the backend's cache directory under the data dir.
      assertSafeSegment(distro, "a backend");
      const backend = create(distro, Object.hasOwn(config.backends, distro) ? config.backends[distro]! : {});
      const reason = await backend.unavailableReason();
      if (reason === null) backends.set(distro, backend);
      else unavailable.set(distro, reason);
    } catch (err) {
      unavailable.set(distro, (err as Error).message);
    }
  }
  return { backends, unavailable, architectures: config.supported_architectures ?? defaultArchitectures() };
}
