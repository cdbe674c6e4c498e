/**
 * Runs the CLI for a test: in this process through `main` (fast; the test's HTTP servers keep
 * answering while it awaits), or as a real process for what only a process shows.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { cli } from "../cli/fixture.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `home` stands in for the user's home: config (remotes) in home/config, the store in home/data. */
function envFor(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, "config"), XDG_DATA_HOME: join(home, "share"), REBUILDER_DATA_DIR: join(home, "data") };
  delete env.REBUILDERD_COOKIE_PATH;
  delete env.NO_COLOR;
  return { ...env, ...extra };
}

process.stdout.setMaxListeners(0);

export async function runCli(home: string, args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const savedEnv = process.env;
  const out = process.stdout.write;
  const err = process.stderr.write;
  let stdout = "";
  let stderr = "";
  process.env = envFor(home, extraEnv);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof out;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof err;
  try {
    const code = await main(["node", "rebuilder", ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.env = savedEnv;
  }
}

export function runCliProcess(home: string, args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: envFor(home, extraEnv), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
