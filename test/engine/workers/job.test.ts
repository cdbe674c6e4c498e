import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CommandBackend } from "../../../src/backends/command.js";
import { zstdDecompress } from "../../../src/engine/compression.js";
import { verifyAttestation } from "../../../src/engine/evidence/index.js";
import { claimJob, registerWorker } from "../../../src/engine/scheduler/index.js";
import { SetupFailure } from "../../../src/engine/workers/download.js";
import { runJob, type JobContext } from "../../../src/engine/workers/job.js";
import { COPY_REBUILT, dispose, DISTRO, harness, isAlive, leftovers, publish, queueJob, rebuild, script, text, type Harness, type JobSpec } from "./harness.js";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
/** Claims the queued job as a worker would and runs it with the `command` backend `scriptPath`. */
async function run(h: Harness, scriptPath: string, spec: JobSpec, overrides: Partial<JobContext> = {}) {
  queueJob(h.db, spec);
  const workerId = registerWorker(h.db, { name: "test", key: "test-key", address: "local" }, new Date());
  const job = claimJob(h.db, workerId, { backends: [DISTRO], architectures: ["x86_64", "all"] }, h.config.schedule, new Date());
  if (!job) throw new Error("nothing to claim");
  const tmpRoot = join(h.dataDir, "tmp");
  mkdirSync(tmpRoot, { recursive: true });
  const lines: string[] = [];
  const outcome = await runJob(job, {
    backend: new CommandBackend({ path: scriptPath }),
    settings: { buildTimeoutSeconds: 60, maxDownloadBytes: 1024 * 1024, diffoscope: { enabled: true, args: [], timeoutSeconds: 600 } },
    signingKey: h.key,
    tmpRoot,
    cacheDir: join(h.dataDir, "backends", DISTRO),
    workerName: "test/slot-1",
    env: { PATH: process.env.PATH, REBUILD_FROM: h.rebuilt, MARKS: h.marks },
    onLine: (line) => lines.push(line),
    ...overrides,
  });
  return { outcome, lines, log: text(zstdDecompress(outcome.buildLog)) };
}

/** One artifact `hello_1.0_amd64.deb` published with `content`; the build input is a buildinfo beside it. */
function simpleJob(h: Harness, content = "published bytes\n", extra: Partial<JobSpec["artifacts"][number]> = {}): JobSpec {
  return {
    name: "hello",
    inputUrl: publish(h, "hello_1.0_amd64.buildinfo", "Source: hello\n"),
    artifacts: [{ name: "hello", url: publish(h, "hello_1.0_amd64.deb", content), ...extra }],
  };
}

/** `notes.txt` published with one line and rebuilt with another. */
function differingNotes(h: Harness): JobSpec {
  rebuild(h, "notes.txt", "line one\nrebuilt line\n");
  return { name: "notes", inputUrl: publish(h, "notes.buildinfo", "x"), artifacts: [{ name: "notes", url: publish(h, "notes.txt", "line one\npublished line\n") }] };
}

const marker = 'touch "$MARKS/backend-ran"';
const backendRan = (h: Harness) => existsSync(join(h.marks, "backend-ran"));

describe("runJob", () => {
  let h: Harness;
  afterEach(() => dispose(h));

  it("GOOD when the backend reproduces the published file, with a signed attestation", async () => {
    h = harness();
    rebuild(h, "hello_1.0_amd64.deb", "published bytes\n");
    const { outcome, log, lines } = await run(h, script(h, "backend", COPY_REBUILT), simpleJob(h));

    expect(outcome.status).toBe("GOOD");
    expect(outcome.failReason).toBeNull();
    expect(outcome.exitCode).toBe(0);
    expect(outcome.workerName).toBe("test/slot-1");
    expect(log).toContain("rebuilding hello_1.0_amd64.buildinfo");
    expect(lines).toContain("rebuilding hello_1.0_amd64.buildinfo");
    const [artifact] = outcome.artifacts;
    expect(artifact).toMatchObject({ name: "hello", status: "GOOD", diffoscope: null });
    const link = zstdDecompress(artifact!.attestation!);
    expect(verifyAttestation(link, h.key.publicKey)).toBe(true);
    const signed = JSON.parse(text(link)).signed;
    expect(signed._type).toBe("link");
    expect(Object.keys(signed.products)).toEqual(["hello_1.0_amd64.deb"]);
    expect(signed.products["hello_1.0_amd64.deb"].sha256).toBe(sha256("published bytes\n"));
    expect(Object.keys(signed.materials)).toEqual(["hello_1.0_amd64.buildinfo"]);
    expect(leftovers(h)).toEqual([]);
  });

  it("BAD with a diffoscope report when the rebuilt file differs", async () => {
    h = harness();
    const { outcome } = await run(h, script(h, "backend", COPY_REBUILT), differingNotes(h));

    expect(outcome.status).toBe("BAD");
    expect(outcome.failReason).toBeNull();
    const [artifact] = outcome.artifacts;
    expect(artifact).toMatchObject({ name: "notes", status: "BAD", attestation: null });
    const report = text(zstdDecompress(artifact!.diffoscope!));
    expect(report).toContain("-published line");
    expect(report).toContain("+rebuilt line");
  });

  it("BAD with a note and no report, not a FAIL, when diffoscope cannot run", async () => {
    h = harness();
    const spec = differingNotes(h);
    const machinePath = process.env.PATH;
    // diffoscope is looked up on the engine's PATH; the backend keeps the machine's.
    process.env.PATH = h.root;
    try {
      const { outcome, log } = await run(h, script(h, "backend", COPY_REBUILT), spec, { env: { PATH: machinePath, REBUILD_FROM: h.rebuilt, MARKS: h.marks } });
      expect(outcome.status).toBe("BAD");
      expect(outcome.artifacts[0]).toMatchObject({ status: "BAD", diffoscope: null });
      expect(outcome.artifacts[0]!.note).toMatch(/diffoscope failed/);
      expect(log).toMatch(/rebuilderd: diffoscope failed for "notes.txt"/);
    } finally {
      process.env.PATH = machinePath;
    }
  });

  it("BAD without diffoscope when the backend did not produce the artifact", async () => {
    h = harness();
    rebuild(h, "something-else.deb", "other");
    const { outcome } = await run(h, script(h, "backend", COPY_REBUILT), simpleJob(h));
    expect(outcome.status).toBe("BAD");
    expect(outcome.artifacts[0]).toMatchObject({ status: "BAD", diffoscope: null, attestation: null });
    expect(outcome.artifacts[0]!.note).toBeTruthy();
  });

  it("never runs diffoscope on a link a backend left instead of a file", async () => {
    h = harness();
    const body = 'echo "top secret" > "$MARKS/secret"\nln -s "$MARKS/secret" "$REBUILDERD_OUTDIR/hello_1.0_amd64.deb"';
    const { outcome } = await run(h, script(h, "backend", body), simpleJob(h));
    expect(outcome.status).toBe("BAD");
    expect(outcome.artifacts[0]).toMatchObject({ status: "BAD", diffoscope: null });
    expect(outcome.artifacts[0]!.note).toMatch(/symbolic link/);
  });

  it("records a non-zero exit code and still judges what the backend produced", async () => {
    h = harness();
    rebuild(h, "hello_1.0_amd64.deb", "published bytes\n");
    const { outcome } = await run(h, script(h, "backend", `${COPY_REBUILT}\necho "checksum mismatch in .buildinfo" >&2\nexit 3`), simpleJob(h));
    expect(outcome.status).toBe("GOOD");
    expect(outcome.exitCode).toBe(3);
  });

  it("FAIL when the backend exits non-zero without producing anything", async () => {
    h = harness();
    const { outcome, log } = await run(h, script(h, "backend", 'echo "E: unable to find source package" >&2\nexit 100'), simpleJob(h));
    expect(outcome).toMatchObject({ status: "FAIL", exitCode: 100, failReason: "backend exited with code 100 and produced no artifacts", artifacts: [] });
    expect(log).toBe("E: unable to find source package\n\n\nrebuilderd: unexpected error while rebuilding package: backend exited with code 100 and produced no artifacts\n");
  });

  it("FAIL when a published artifact cannot be downloaded, and the backend never runs", async () => {
    h = harness();
    const spec = simpleJob(h);
    spec.artifacts.push({ name: "hello-doc", url: spec.artifacts[0]!.url.replace("hello_1.0_amd64.deb", "hello-doc_1.0_all.deb") });
    const { outcome, log } = await run(h, script(h, "backend", marker), spec);
    expect(outcome.status).toBe("FAIL");
    expect(outcome.failReason).toMatch(/^cannot download "hello-doc_1.0_all.deb": .*hello-doc_1.0_all.deb: not found$/);
    expect(log).toContain(`rebuilderd: unexpected error while rebuilding package: ${outcome.failReason}`);
    expect(outcome.exitCode).toBeNull();
    expect(backendRan(h)).toBe(false);
    expect(leftovers(h)).toEqual([]);
  });

  it("FAIL on a sha256 mismatch with the index, naming the file", async () => {
    h = harness();
    const { outcome } = await run(h, script(h, "backend", marker), simpleJob(h, "tampered\n", { sha256: sha256("original\n") }));
    expect(outcome.status).toBe("FAIL");
    expect(outcome.failReason).toMatch(/^checksum mismatch for "hello_1.0_amd64.deb"/);
    expect(backendRan(h)).toBe(false);
  });

  it("accepts a download whose size and sha256 match the index", async () => {
    h = harness();
    rebuild(h, "hello_1.0_amd64.deb", "original\n");
    const { outcome } = await run(h, script(h, "backend", COPY_REBUILT), simpleJob(h, "original\n", { sha256: sha256("original\n").toUpperCase(), size: 9 }));
    expect(outcome.status).toBe("GOOD");
  });

  it("FAIL on a size mismatch with the index, and on a file over the download limit", async () => {
    h = harness();
    const short = await run(h, script(h, "backend", marker), simpleJob(h, "original\n", { size: 100 }));
    expect(short.outcome.failReason).toBe(`size mismatch for "hello_1.0_amd64.deb": the index says 100 bytes, ${simpleJob(h, "original\n").artifacts[0]!.url} has 9 bytes`);
    dispose(h);

    h = harness();
    const big = await run(h, script(h, "backend", marker), simpleJob(h, "x".repeat(2048)), {
      settings: { buildTimeoutSeconds: 60, maxDownloadBytes: 1024, diffoscope: { enabled: false, args: [], timeoutSeconds: 1 } },
    });
    expect(big.outcome.failReason).toMatch(/^cannot download "hello_1.0_amd64.deb": .* larger than the limit of 1024 bytes/);
    expect(backendRan(h)).toBe(false);
  });

  it("FAIL on a timeout, with the backend's whole process group killed", async () => {
    h = harness();
    const body = 'sleep 300 &\necho $! > "$MARKS/child.pid"\necho started\nwait';
    const { outcome, log } = await run(h, script(h, "backend", body), simpleJob(h), {
      settings: { buildTimeoutSeconds: 1, maxDownloadBytes: 1024, diffoscope: { enabled: false, args: [], timeoutSeconds: 1 } },
    });
    expect(outcome.status).toBe("FAIL");
    expect(outcome.failReason).toBe("timed out after 1 seconds (downloads and build)");
    expect(log).toMatch(/^started\n[\s\S]*rebuilderd: unexpected error while rebuilding package: timed out after 1 seconds/);
    const child = Number(readFileSync(join(h.marks, "child.pid"), "utf8"));
    await vi.waitFor(() => expect(isAlive(child)).toBe(false));
    expect(leftovers(h)).toEqual([]);
  });

  it("FAIL on a timeout while a download hangs (no phantom builds)", async () => {
    h = harness();
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("a few bytes, then nothing");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pool/hello_1.0_amd64.deb`;
      const spec: JobSpec = { name: "hello", inputUrl: publish(h, "hello.buildinfo", "x"), artifacts: [{ name: "hello", url }] };
      const { outcome } = await run(h, script(h, "backend", marker), spec, {
        settings: { buildTimeoutSeconds: 1, maxDownloadBytes: 1024 * 1024, diffoscope: { enabled: false, args: [], timeoutSeconds: 1 } },
      });
      expect(outcome.status).toBe("FAIL");
      expect(outcome.failReason).toBe("timed out after 1 seconds (downloads and build)");
      expect(backendRan(h)).toBe(false);
      expect(leftovers(h)).toEqual([]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it.each([
    ["a parent-directory name", "/pool/.."],
    ["a current-directory name", "/pool/."],
    ["an empty name", "/pool/"],
    ["control characters", "/pool/evil\u001b[2J.deb"],
    ["a newline", "/pool/evil\n.deb"],
  ])("FAIL on an artifact URL with %s, writing nothing", async (_what, path) => {
    h = harness();
    const spec = simpleJob(h);
    spec.artifacts[0]!.url = `file://${h.pub}${path}`;
    const backend = script(h, "backend", marker);
    const before = readdirSync(h.root, { recursive: true }).sort();
    const { outcome } = await run(h, backend, spec);
    expect(outcome.status).toBe("FAIL");
    expect(outcome.failReason).toMatch(/^unsafe file name ".*" for file:\/\//);
    expect(backendRan(h)).toBe(false);
    expect(readdirSync(h.root, { recursive: true }).filter((f) => !String(f).startsWith("data")).sort()).toEqual(before.filter((f) => !String(f).startsWith("data")));
    expect(leftovers(h)).toEqual([]);
  });

  it("FAIL on a build input URL with a hostile name", async () => {
    h = harness();
    const spec = simpleJob(h);
    spec.inputUrl = `file://${h.pub}/..`;
    const { outcome } = await run(h, script(h, "backend", marker), spec);
    expect(outcome.failReason).toMatch(/^unsafe file name "\.\." for file:\/\/.*: it names a directory$/);
    expect(backendRan(h)).toBe(false);
  });

  it("treats shell syntax in file names as plain names", async () => {
    h = harness();
    const name = "$(touch pwned);touch pwned.deb";
    rebuild(h, name, "bytes");
    const spec: JobSpec = { name: "odd", inputUrl: publish(h, "odd.buildinfo", "x"), artifacts: [{ name: "odd", url: `file://${h.pub}/${name}` }] };
    publish(h, name, "bytes");
    const { outcome } = await run(h, script(h, "backend", COPY_REBUILT), spec);
    expect(outcome.status).toBe("GOOD");
    expect(readdirSync(h.root, { recursive: true }).filter((f) => String(f).endsWith("pwned"))).toEqual([]);
  });

  it("FAIL when two different URLs would share one file name", async () => {
    h = harness();
    const spec = simpleJob(h);
    mkdirSync(join(h.pub, "other"));
    spec.artifacts.push({ name: "hello-again", url: publish(h, "other/hello_1.0_amd64.deb", "different") });
    const { outcome } = await run(h, script(h, "backend", marker), spec);
    expect(outcome.failReason).toMatch(/^two downloads would share the file name "hello_1.0_amd64.deb"/);
  });

  it("downloads a build input that is also an artifact once (Arch: the package is the input)", async () => {
    h = harness();
    const url = publish(h, "zlib-1.3-1-x86_64.pkg.tar.zst", "package");
    rebuild(h, "zlib-1.3-1-x86_64.pkg.tar.zst", "package");
    const { outcome, log } = await run(h, script(h, "backend", COPY_REBUILT), { name: "zlib", inputUrl: url, artifacts: [{ name: "zlib", url }] });
    expect(outcome.status).toBe("GOOD");
    expect(log).toContain("rebuilding zlib-1.3-1-x86_64.pkg.tar.zst");
  });

  it("a backend that cannot be started is a setup failure, not the package's FAIL", async () => {
    h = harness();
    const failure = run(h, join(h.root, "no-such-backend"), simpleJob(h));
    await expect(failure).rejects.toBeInstanceOf(SetupFailure);
    await expect(failure).rejects.toThrow(/^the command backend could not be started: cannot run .*no-such-backend/);
    expect(leftovers(h)).toEqual([]);
  });

  it("a job directory that cannot be made is a setup failure naming the directory", async () => {
    h = harness();
    const tmpRoot = join(h.root, "not-a-directory");
    writeFileSync(tmpRoot, "");
    await expect(run(h, script(h, "backend", marker), simpleJob(h), { tmpRoot })).rejects.toThrow(`cannot create a job directory in ${tmpRoot}: ENOTDIR`);
    expect(backendRan(h)).toBe(false);
  });

  it("rejects with the abort reason when aborted from outside, and leaves nothing behind", async () => {
    h = harness();
    const abort = new AbortController();
    const reason = new Error("shutting down");
    const body = 'touch "$MARKS/started"\nsleep 300';
    const running = run(h, script(h, "backend", body), simpleJob(h), { signal: abort.signal });
    await vi.waitFor(() => expect(existsSync(join(h.marks, "started"))).toBe(true));
    abort.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(leftovers(h)).toEqual([]);
  });
});
