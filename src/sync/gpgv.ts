/**
 * OpenPGP signature checks with gpgv (Debian package `gpgv`), run without a shell. gpgv trusts
 * every key in the keyring it is given and nothing else. The verdict comes from its
 * machine-readable `--status-fd` lines, as apt does: at least one GOODSIG and no BADSIG. A
 * signature by a key missing from the keyring (ERRSIG) is tolerated when another one is good,
 * because archives sign with several keys at once.
 */
import { execFile } from "node:child_process";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export class SignatureError extends Error {
  override name = "SignatureError";
}

const GPGV_TIMEOUT_MS = 120_000;

/** Checks a detached signature (e.g. an Arch `.db.sig`) over `data`. `what` names the file in errors. */
export async function verifyDetached(data: Uint8Array, signature: Uint8Array, keyring: string, what = "data"): Promise<void> {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, "data"), data);
    await writeFile(join(dir, "data.sig"), signature);
    await runGpgv(dir, keyring, [join(dir, "data.sig"), join(dir, "data")], what);
  });
}

/**
 * Checks a clearsigned file (e.g. a Debian `InRelease`) and returns exactly the text gpgv
 * verified, never bytes outside the signed block.
 */
export async function verifyClearsigned(bytes: Uint8Array, keyring: string, what = "data"): Promise<Uint8Array> {
  assertSingleClearsignedBlock(bytes, what);
  return withTempDir(async (dir) => {
    const payload = join(dir, "payload");
    await writeFile(join(dir, "signed"), bytes);
    await runGpgv(dir, keyring, ["--output", payload, join(dir, "signed")], what);
    return new Uint8Array(await readFile(payload));
  });
}

const BEGIN_MESSAGE = "-----BEGIN PGP SIGNED MESSAGE-----";
const BEGIN_SIGNATURE = "-----BEGIN PGP SIGNATURE-----";
const END_SIGNATURE = "-----END PGP SIGNATURE-----";

/**
 * gpg also accepts text around and between signed blocks and would output every block it
 * verified; like apt we refuse anything but one block, so no unsigned or replayed text can
 * ride along.
 */
function assertSingleClearsignedBlock(bytes: Uint8Array, what: string): void {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  if (!text.startsWith(`${BEGIN_MESSAGE}\n`) && !text.startsWith(`${BEGIN_MESSAGE}\r\n`)) {
    throw new SignatureError(`${what}: not a clearsigned file (no "${BEGIN_MESSAGE}" header at the start)`);
  }
  const count = (marker: string) => text.split(`\n${marker}`).length - 1;
  if (count(BEGIN_MESSAGE) !== 0 || count(BEGIN_SIGNATURE) !== 1 || count(END_SIGNATURE) !== 1) {
    throw new SignatureError(`${what}: not exactly one clearsigned block`);
  }
  const tail = text.slice(text.indexOf(`\n${END_SIGNATURE}`) + END_SIGNATURE.length + 1);
  if (tail.trim() !== "") throw new SignatureError(`${what}: data after the signature`);
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "rebuilder-gpgv-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runGpgv(homedir: string, keyring: string, args: string[], what: string): Promise<void> {
  // gpgv looks a keyring name without a slash up in its home directory, so pass an absolute path.
  const keyringPath = resolve(keyring);
  try {
    await access(keyringPath);
  } catch {
    throw new SignatureError(`${what}: keyring ${keyringPath} not found; install the distribution's keyring package (Debian: debian-archive-keyring) or set keyring = "<file>" in the profile`);
  }
  const argv = ["--homedir", homedir, "--keyring", keyringPath, "--status-fd", "1", ...args];
  const { exitCode, status, stderr } = await new Promise<{ exitCode: number; status: string; stderr: string }>(
    (done, fail) => {
      execFile(
        "gpgv",
        argv,
        { env: { ...process.env, LC_ALL: "C" }, timeout: GPGV_TIMEOUT_MS, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          const code = err ? (err as NodeJS.ErrnoException & { code?: unknown }).code : 0;
          if (code === "ENOENT") fail(new SignatureError(`${what}: gpgv not found (install the Debian package gpgv, or gnupg on Arch)`));
          else if (typeof code !== "number") fail(new SignatureError(`${what}: gpgv did not finish: ${err?.message}`));
          else done({ exitCode: code, status: String(stdout), stderr: String(stderr) });
        },
      );
    },
  );
  const keywords = status.split("\n").filter((l) => l.startsWith("[GNUPG:] ")).map((l) => l.split(" ")[1]);
  const count = (k: string) => keywords.filter((w) => w === k).length;
  const good = count("GOODSIG");
  const bad = count("BADSIG");
  // A non-zero exit is only acceptable when each signature that is not good merely lacks its key.
  const onlyMissingKeys = exitCode === 0 || good + count("NO_PUBKEY") === count("NEWSIG");
  if (good > 0 && bad === 0 && onlyMissingKeys) return;
  const reason =
    bad > 0
      ? "BAD signature (the file was modified after signing)"
      : good === 0 && count("NO_PUBKEY") > 0
        ? `no signature by a key in ${keyringPath}`
        : good === 0 && count("NEWSIG") === 0
          ? "no signature found"
          : `signature could not be verified (gpgv exit code ${exitCode})`;
  const detail = stderr.trim().split("\n").filter(Boolean).slice(-3).join("; ");
  throw new SignatureError(`${what}: ${reason}${detail ? ` (gpgv: ${detail})` : ""}`);
}
