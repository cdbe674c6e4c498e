/**
 * How this program starts itself again, for work it runs in a child process (the periodic sync of
 * `serve`): the compiled binary is its own entry; Bun on the sources runs bin/rebuilder.ts; Node
 * runs bin/rebuilder-node.mjs, which registers tsx itself.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface SelfCommand {
  command: string;
  /** Arguments that come before the program's own (the entry script, runtime flags). */
  args: string[];
}

/** In a `bun build --compile` binary every module's URL lies in Bun's embedded file system. */
const COMPILED_PREFIX = "file:///$bunfs/";

const entry = (file: string) => fileURLToPath(new URL(`../../bin/${file}`, import.meta.url));

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

export function selfCommand(): SelfCommand {
  // process.argv is ["bun", "/$bunfs/root/rebuilder", …] there: the binary is process.execPath.
  if (import.meta.url.startsWith(COMPILED_PREFIX)) return { command: process.execPath, args: [] };
  if (typeof process.versions.bun === "string") return { command: process.execPath, args: [entry("rebuilder.ts")] };
  const nodeEntry = entry("rebuilder-node.mjs");
  // Runtime flags (e.g. --max-old-space-size) carry over when we were started as the CLI; a test
  // runner's or tsx's own flags do not belong to us.
  const startedAsCli = process.argv[1] !== undefined && sameFile(process.argv[1], nodeEntry);
  return { command: process.execPath, args: [...(startedAsCli ? process.execArgv : []), nodeEntry] };
}
