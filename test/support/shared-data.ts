/** The project's shared folder sits beside the checkout (in CI too): real index data for tests. */
import { resolve } from "node:path";

export const SHARED = resolve(import.meta.dirname, "../../../shared");
export const DEBIAN_MIRROR = resolve(SHARED, "data/debian-mirror");
export const ARCH_CORE_DB = resolve(SHARED, "data/archlinux/core.db");
