/** Drives a terminal program in a detached tmux session: keys in, screen text out. */
import { execFileSync } from "node:child_process";

export class TmuxSession {
  private constructor(readonly name: string) {}

  /** Starts `argv` in a new session of the given size; stderr goes to `stderrFile`. */
  static start(argv: string[], opts: { columns: number; rows: number; stderrFile: string; env?: Record<string, string> }): TmuxSession {
    const name = `rebuilder-tui-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`);
    // The shell stays after the program ends so its exit code can be read from the screen.
    const command = `env ${env.join(" ")} ${argv.map(quote).join(" ")} 2>${quote(opts.stderrFile)}; echo "[exited $?]"; sleep 600`;
    execFileSync("tmux", ["new-session", "-d", "-s", name, "-x", String(opts.columns), "-y", String(opts.rows), command]);
    return new TmuxSession(name);
  }

  screen(): string {
    return execFileSync("tmux", ["capture-pane", "-p", "-t", this.name], { encoding: "utf8" });
  }

  /** tmux key names (Enter, Escape, Tab, Down) or literal text with `literal`. */
  send(keys: string, literal = false): void {
    execFileSync("tmux", ["send-keys", "-t", this.name, ...(literal ? ["-l"] : []), keys]);
  }

  /** Polls the screen until it matches; `within` bounds the wait (a failure, not a measurement). */
  async waitFor(what: string | RegExp, within = 60_000): Promise<string> {
    const deadline = Date.now() + within;
    for (;;) {
      const screen = this.screen();
      if (typeof what === "string" ? screen.includes(what) : what.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the screen never showed ${what}; it shows:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Appends everything the program writes to the terminal to `file`, as tmux reads it. */
  pipeOutput(file: string): void {
    execFileSync("tmux", ["pipe-pane", "-O", "-t", this.name, `exec cat >> '${file.replace(/'/g, `'\\''`)}'`]);
  }

  resize(columns: number, rows: number): void {
    execFileSync("tmux", ["resize-window", "-t", this.name, "-x", String(columns), "-y", String(rows)]);
  }

  pid(): number {
    return Number(execFileSync("tmux", ["list-panes", "-t", this.name, "-F", "#{pane_pid}"], { encoding: "utf8" }).trim());
  }

  kill(): void {
    try {
      execFileSync("tmux", ["kill-session", "-t", this.name], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
}
