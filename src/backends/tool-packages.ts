/**
 * The one table of the tools backends run, with the Debian and the Arch package that provides
 * each, so a missing tool is always reported with how to install it (`doctor`, `build`, `status`).
 * null: not packaged for that distribution (Arch: only in the AUR).
 */
import { basename } from "node:path";

export interface ToolPackages {
  debian: string | null;
  arch: string | null;
}

const TOOL_PACKAGES: Record<string, ToolPackages> = {
  "archlinux-repro": { debian: null, arch: "archlinux-repro" },
  "systemd-nspawn": { debian: "systemd-container", arch: "systemd" },
  sudo: { debian: "sudo", arch: "sudo" },
  debrebuild: { debian: "devscripts", arch: null },
  dcmd: { debian: "devscripts", arch: null },
  sbuild: { debian: "sbuild", arch: null },
  nice: { debian: "coreutils", arch: "coreutils" },
  date: { debian: "coreutils", arch: "coreutils" },
  newuidmap: { debian: "uidmap", arch: "shadow" },
  mmdebstrap: { debian: "mmdebstrap", arch: "mmdebstrap" },
  unshare: { debian: "util-linux", arch: "util-linux" },
  tar: { debian: "tar", arch: "tar" },
  "apt-get": { debian: "apt", arch: "apt" },
  dpkg: { debian: "dpkg", arch: "dpkg" },
  "dpkg-source": { debian: "dpkg-dev", arch: "dpkg" },
  "dpkg-checkbuilddeps": { debian: "dpkg-dev", arch: "dpkg" },
  "dpkg-parsechangelog": { debian: "dpkg-dev", arch: "dpkg" },
  "dpkg-buildpackage": { debian: "dpkg-dev", arch: "dpkg" },
  rake: { debian: "rake", arch: "ruby-rake" },
  vagrant: { debian: "vagrant", arch: "vagrant" },
  virsh: { debian: "libvirt-clients", arch: "libvirt" },
  git: { debian: "git", arch: "git" },
  gpg: { debian: "gpg", arch: "gnupg" },
  gpgv: { debian: "gpgv", arch: "gnupg" },
  diffoscope: { debian: "diffoscope-minimal", arch: "diffoscope" },
};

/** The packages providing `tool` (a name or a path to a tool of that name), or null for a tool we do not know. */
export function toolPackages(tool: string): ToolPackages | null {
  const name = basename(tool);
  return Object.hasOwn(TOOL_PACKAGES, name) ? TOOL_PACKAGES[name]! : null;
}

/** How to install `tools` on Debian and on Arch, e.g. "apt-get install mmdebstrap (Debian), pacman -S mmdebstrap (Arch)"; null when no package is known. */
export function installHint(tools: string[]): string | null {
  const known = tools.map(toolPackages).filter((p): p is ToolPackages => p !== null);
  const unique = (names: (string | null)[]) => [...new Set(names.filter((n): n is string => n !== null))];
  const debian = unique(known.map((p) => p.debian));
  const arch = unique(known.map((p) => p.arch));
  const ways = [...(debian.length ? [`apt-get install ${debian.join(" ")} (Debian)`] : []), ...(arch.length ? [`pacman -S ${arch.join(" ")} (Arch)`] : [])];
  return ways.length ? ways.join(", ") : null;
}
