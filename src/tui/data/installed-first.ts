/**
 * What runs on this machine is rebuilt first: the installed packages the store knows but has
 * never rebuilt are queued ahead of everything else (as `check --installed --queue` does). Ones
 * already rebuilt keep their retry schedule, so a BAD installed package is not rebuilt after
 * every sync.
 */
import type { Engine } from "../../engine/engine.js";
import type { Installed } from "../../engine/installed.js";
import { checkPackages } from "../../engine/verification/check.js";
import { queueUnverified } from "../../engine/verification/installed-share.js";

/** Returns the number of jobs queued or moved up. */
export async function queueInstalledFirst(engine: Engine, installed: Installed): Promise<number> {
  const verdicts = await checkPackages(engine.db, installed.packages, [], { threshold: 1, trustUnsigned: false, offline: true });
  const n = queueUnverified(
    engine.db,
    verdicts.filter((v) => v.local.status === "UNKWN"),
    new Date(),
  );
  if (n > 0) engine.slots.wake();
  return n;
}
