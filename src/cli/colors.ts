/** ANSI colours as rebuildctl uses them: only on a terminal, or everywhere with the global -C. */
import type { Command } from "commander";

export type Paint = (code: number, text: string) => string;

export function painter(cmd: Command, stream: NodeJS.WriteStream = process.stdout): Paint {
  const enabled = cmd.optsWithGlobals<{ color?: boolean }>().color === true || (stream.isTTY === true && !process.env.NO_COLOR);
  return enabled ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_, text) => text;
}

export const GREEN = 32;
export const RED = 31;
export const YELLOW = 33;
export const BLUE = 34;
export const GREY = 90;
export const BOLD = 1;

/** The colour of a verdict word. */
export function statusColor(status: string): number {
  return status === "GOOD" || status === "VERIFIED" ? GREEN : status === "BAD" || status === "FAIL" || status === "DISAGREE" ? RED : YELLOW;
}
