/** `rebuilder remote add|rm|ls`: the remote rebuilders `check` asks (none until the user adds one). */
import type { Command } from "commander";
import { detectDistribution, knownRebuilders } from "../engine/verification/known-rebuilders.js";
import { addRemote, loadRemotes, remotesConfigPath, removeRemote } from "../engine/verification/remotes-config.js";
import { safe } from "./terminal.js";

export function registerRemoteCommands(program: Command): void {
  const remote = program.command("remote").description("remote rebuilders that `check` asks");

  remote
    .command("add")
    .description("ask this rebuilder in every `check`")
    .argument("<url>", "a rebuilderd-compatible server, e.g. https://rebuilder.example.org")
    .action((url: string) => {
      if (!addRemote(url)) process.stderr.write(`rebuilder: ${safe(url)} is already configured\n`);
    });

  remote
    .command("rm")
    .description("stop asking this rebuilder")
    .argument("<url>")
    .action((url: string) => {
      if (!removeRemote(url)) throw new Error(`${url} is not a configured remote (see \`rebuilder remote ls\`)`);
    });

  remote
    .command("ls")
    .description("list the configured remotes; with --known, the public rebuilders known for this distribution")
    .option("--known", "public rebuilders for the detected distribution (not contacted; add one with `rebuilder remote add URL`)")
    .option("--root <dir>", "the machine whose distribution is detected", "/")
    .option("--json", "print JSON")
    .action((o: { known?: boolean; root: string; json?: boolean }) => {
      if (!o.known) {
        const remotes = loadRemotes();
        if (o.json) process.stdout.write(`${JSON.stringify(remotes)}\n`);
        else if (remotes.length) process.stdout.write(`${remotes.map(safe).join("\n")}\n`);
        else process.stderr.write(`no remotes configured (${remotesConfigPath()}); see \`rebuilder remote ls --known\`\n`);
        return;
      }
      const distribution = detectDistribution(o.root);
      if (!distribution) throw new Error(`cannot tell the distribution: no os-release under ${o.root}`);
      const known = knownRebuilders(distribution);
      const configured = new Set(loadRemotes());
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ distribution, known: known.map((k) => ({ ...k, configured: configured.has(k.url) })) })}\n`);
        return;
      }
      if (!known.length) {
        process.stderr.write(`no public rebuilders known for ${safe(distribution)}\n`);
        return;
      }
      const lines = known.map((k) => `${k.url.padEnd(44)} ${k.operator} (${k.note})${configured.has(k.url) ? "  [configured]" : ""}`);
      process.stdout.write(`${safe(lines.join("\n"))}\nadd one with: rebuilder remote add URL\n`);
    });
}
