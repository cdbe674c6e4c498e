/** Our colours for verdicts and for diffoscope's text diff (its own escape codes are never passed through). */
import type { Colour } from "./fit-line.js";

export function statusColour(status: string | null | undefined): Colour {
  switch (status) {
    case "GOOD":
      return "green";
    case "BAD":
      return "red";
    case "FAIL":
      return "yellow";
    default:
      return "gray";
  }
}

/**
 * diffoscope's text output nests differences under `├──`/`│` tree prefixes; inside them a line
 * of the unified diff starts with `-`, `+` or `@@`, and file headers with `---`/`+++`.
 */
export function diffLineColour(line: string): Colour | undefined {
  const body = line.replace(/^[│├└─┄ ]*/, "");
  if (/^(---|\+\+\+) /.test(body)) return "cyan";
  if (/^[│ ]*[├└]── /.test(line)) return "yellow";
  if (body.startsWith("@@")) return "magenta";
  if (body.startsWith("-")) return "red";
  if (body.startsWith("+")) return "green";
  return undefined;
}
