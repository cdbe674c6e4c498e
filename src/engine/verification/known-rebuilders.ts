/**
 * Public rebuilders known per distribution (from the rebuilderd-community directory, see
 * field-survey §1.1 and §2.2). Listed by `remote ls --known` for the user to add; never
 * contacted unless added or passed with --remote.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface KnownRebuilder {
  url: string;
  operator: string;
  note: string;
}

const DEBIAN_ARCHITECTURES: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "i386", arm: "armhf", ppc64: "ppc64el", riscv64: "riscv64" };

export function knownRebuilders(distribution: string, nodeArch: string = process.arch): KnownRebuilder[] {
  switch (distribution) {
    case "archlinux":
      return [{ url: "https://reproducible.archlinux.org", operator: "Arch Linux", note: "core, extra, multilib" }];
    case "debian": {
      const arch = DEBIAN_ARCHITECTURES[nodeArch] ?? "amd64";
      return [
        { url: `https://reproduce.debian.net/${arch}`, operator: "Debian Reproducible Builds", note: `${arch} packages` },
        { url: "https://reproduce.debian.net/all", operator: "Debian Reproducible Builds", note: "architecture-independent packages" },
      ];
    }
    default:
      return [];
  }
}

/** The distribution ID from os-release under `root` (ID, else the first known ID_LIKE), or null. */
export function detectDistribution(root = "/"): string | null {
  for (const p of ["etc/os-release", "usr/lib/os-release"]) {
    let text: string;
    try {
      text = readFileSync(join(root, p), "utf8");
    } catch {
      continue;
    }
    const field = (k: string) => new RegExp(`^${k}=("?)(.*)\\1$`, "m").exec(text)?.[2];
    const ids = [field("ID"), ...(field("ID_LIKE")?.split(/\s+/) ?? [])].filter((x): x is string => Boolean(x));
    return ids.find((id) => knownRebuilders(id).length > 0) ?? ids[0] ?? null;
  }
  return null;
}
