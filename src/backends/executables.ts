/** Finding a tool the way execvp does, so unavailableReason() can name what is missing. */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { installHint } from "./tool-packages.js";

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The path that `command` resolves to (a name searched in PATH, or a path used as is), or null. */
export function findExecutable(command: string, pathVariable: string = process.env.PATH ?? ""): string | null {
  if (command.includes("/")) return isExecutableFile(command) ? command : null;
  for (const dir of pathVariable.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** A reason naming every tool of `commands` that cannot be found and how to install them, or null when all are there. */
export function missingTools(commands: string[], pathVariable?: string): string | null {
  const missing = commands.filter((command) => findExecutable(command, pathVariable) === null);
  if (missing.length === 0) return null;
  const hint = installHint(missing);
  return `missing tool${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}${hint ? `; install with ${hint}` : ""}`;
}
