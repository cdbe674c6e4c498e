import { describe, expect, it } from "vitest";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CommandBackend } from "../../src/backends/command.js";
import { UnsafeJobError } from "../../src/backends/job-checks.js";
import { inputsOf, makeJob, runOptions, tempDir, text } from "./fake-tools.js";

const env = { PATH: process.env.PATH };

/** Writes an executable rebuilderd-style backend script. */
function script(body: string): string {
  const path = join(tempDir(), "rebuilder-test.sh");
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function jobWithInput(fileName: string, contents = "published bytes\n") {
  const job = makeJob();
  const inputPath = join(inputsOf(job), fileName);
  writeFileSync(inputPath, contents);
  return { ...job, inputPath };
}

describe("command backend", () => {
  it("runs the script with the input path, REBUILDERD_OUTDIR and the cache dir as working directory", async () => {
    const path = script(
      [
        "set -e",
        'cp -- "$1" "$REBUILDERD_OUTDIR/$(basename "$1")"',
        'printf "%s\\n" "$#" "$1" "$PWD" "$GREETING" > "$REBUILDERD_OUTDIR/seen"',
        'cat > "$REBUILDERD_OUTDIR/stdin"',
        "echo built",
      ].join("\n"),
    );
    const job = jobWithInput("hello-1.0-1-x86_64.pkg.tar.zst");
    const result = await new CommandBackend({ path }).run(job, runOptions({ ...env, GREETING: "hi" }));

    expect(result.exitCode).toBe(0);
    expect(text(result.output)).toBe("built\n");
    expect(readFileSync(join(job.outDir, "hello-1.0-1-x86_64.pkg.tar.zst"), "utf8")).toBe("published bytes\n");
    expect(readFileSync(join(job.outDir, "seen"), "utf8")).toBe(`1\n${job.inputPath}\n${job.cacheDir}\nhi\n`);
    expect(readFileSync(join(job.outDir, "stdin"), "utf8")).toBe("");
  });

  it("reports the exit code and stderr of a failing script", async () => {
    const path = script('echo "cannot fetch sources for $1" >&2\nexit 3');
    const job = jobWithInput("hello_1.0-1_amd64.buildinfo");
    const result = await new CommandBackend({ path }).run(job, runOptions(env));
    expect(result.exitCode).toBe(3);
    expect(text(result.output)).toBe(`cannot fetch sources for ${job.inputPath}\n`);
  });

  it("kills a script that outlives the timeout and says so in the log", async () => {
    const path = script('echo started\nsleep 30\ntouch "$REBUILDERD_OUTDIR/late"');
    const job = jobWithInput("hello_1.0-1_amd64.buildinfo");
    const result = await new CommandBackend({ path }).run(job, runOptions(env, { timeoutSeconds: 1 }));
    expect(result.timedOut).toBe(true);
    expect(text(result.output)).toBe("started\n\n\nTRUNCATED DUE TO TIMEOUT: 1 seconds\n\n");
    expect(existsSync(join(job.outDir, "late"))).toBe(false);
  });

  it("hands a hostile file name to the script as one literal argument", async () => {
    const path = script('printf "%s" "$1" > "$REBUILDERD_OUTDIR/arg"');
    // Through a shell, this would create "pwned" in the working directory.
    const job = jobWithInput("$(touch pwned); touch pwned");
    const result = await new CommandBackend({ path }).run(job, runOptions(env));
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(job.outDir, "arg"), "utf8")).toBe(job.inputPath);
    expect(existsSync(join(job.cacheDir, "pwned"))).toBe(false);
  });

  it("refuses artifact names that would leave the output directory, before running anything", async () => {
    const ran = join(tempDir(), "ran");
    const path = script(`touch ${ran}`);
    for (const fileName of ["../../x", "..", "a/b", "evil\u001b[2Jname", ""]) {
      const job = {
        ...jobWithInput("hello_1.0-1_amd64.buildinfo"),
        artifacts: [{ name: "hello", version: "1.0-1", architecture: "amd64", url: "https://mirror.example/x", fileName, publishedPath: "/tmp/x" }],
      };
      await expect(new CommandBackend({ path }).run(job, runOptions(env))).rejects.toThrow(UnsafeJobError);
      await expect(new CommandBackend({ path }).run(job, runOptions(env))).rejects.toThrow(/artifact "hello" of job 7 has an unsafe file name/);
    }
    expect(existsSync(ran)).toBe(false);
  });

  it("refuses an input file name with control characters", async () => {
    const path = script("exit 0");
    const job = { ...makeJob(), inputPath: "/tmp/inputs/evil\nname.buildinfo" };
    await expect(new CommandBackend({ path }).run(job, runOptions(env))).rejects.toThrow(/build input of job 7 has an unsafe file name "evil\\nname.buildinfo"/);
  });

  it("is unavailable while the script is missing or not executable", async () => {
    const missing = join(tempDir(), "absent.sh");
    expect(await new CommandBackend({ path: missing }).unavailableReason()).toBe(`backend script ${missing} is missing or not executable`);
    const notExecutable = join(tempDir(), "plain.sh");
    writeFileSync(notExecutable, "#!/bin/sh\n");
    expect(await new CommandBackend({ path: notExecutable }).unavailableReason()).toMatch(/not executable/);
    expect(await new CommandBackend({ path: script("exit 0") }).unavailableReason()).toBeNull();
  });

  it("needs a path", () => {
    expect(() => new CommandBackend({})).toThrow(/needs `path`/);
  });
});
