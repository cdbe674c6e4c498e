/** Real index data checked into the repository (see test/data/README.md). */
import { join, resolve } from "node:path";

export const TEST_DATA = resolve(import.meta.dirname, "../data");
export const DEBIAN_MIRROR = join(TEST_DATA, "debian-mirror");
export const ARCH_REPO = join(TEST_DATA, "archlinux");
export const ARCH_CORE_DB = join(ARCH_REPO, "core.db");
