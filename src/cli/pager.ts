/**
 * Long text (build logs, diffoscope reports) through a pager as rebuildctl does: only when stdout
 * is a terminal and NOPAGER is unset; `$PAGER`, else `less -R`. Pipes and files get the text
 * as is. The pager is run without a shell; a missing pager falls back to plain output.
 */
import { spawn } from "node:child_process";
import { safe } from "./terminal.js";

export async function page(text: string): Promise<void> {
  if (!process.stdout.isTTY || process.env.NOPAGER) {
    process.stdout.write(text);
    return;
  }
  const [command, ...args] = (process.env.PAGER?.trim() || "less -R").split(/\s+/);
  const shown = await new Promise<boolean>((resolve) => {
    const child = spawn(command!, args, { stdio: ["pipe", "inherit", "inherit"] });
    child.on("error", () => resolve(false));
    // The user quitting the pager early closes its stdin: not an error.
    child.stdin.on("error", () => {});
    child.on("close", () => resolve(true));
    child.stdin.end(text);
  });
  if (!shown) process.stdout.write(text);
}

/** A log or diffoscope report through the pager (made safe for the terminal), an attestation as is with a newline. */
export function showEvidence(kind: string, text: string): Promise<void> {
  if (kind === "attestation") {
    process.stdout.write(`${text}\n`);
    return Promise.resolve();
  }
  // Build output is untrusted: it never drives the terminal.
  return page(process.stdout.isTTY ? safe(text) : text);
}
