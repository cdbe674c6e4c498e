/**
 * A throw-away OpenPGP key in its own GNUPGHOME (real gpg, Debian package gnupg), exported as a
 * keyring file for gpgv.
 */
import { afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestKey {
  /** Binary keyring with the public key, as gpgv wants it. */
  keyring: string;
  clearsign(text: string | Uint8Array): Buffer;
  detachSign(data: Uint8Array): Buffer;
  dispose(): void;
}

export function createTestKey(uid = "Rebuilder Test <test@example.org>"): TestKey {
  const home = mkdtempSync(join(tmpdir(), "rebuilder-testkey-"));
  const gpg = (args: string[], input?: string | Uint8Array) =>
    execFileSync("gpg", ["--batch", "--quiet", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", "", ...args], {
      input,
      stdio: ["pipe", "pipe", "pipe"],
    });
  gpg(["--quick-gen-key", uid, "ed25519", "sign", "never"]);
  const keyring = join(home, "keyring.gpg");
  gpg(["--export", "--output", keyring]);
  return {
    keyring,
    clearsign: (text) => gpg(["--clearsign", "--output", "-"], text),
    detachSign: (data) => gpg(["--detach-sign", "--output", "-"], data),
    dispose() {
      execFileSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A signing key and a stranger's key for one test file, removed when its tests are done. */
export function testKeys(): { key: TestKey; stranger: TestKey } {
  const keys = { key: createTestKey(), stranger: createTestKey("Stranger <stranger@example.org>") };
  afterAll(() => {
    keys.key.dispose();
    keys.stranger.dispose();
  });
  return keys;
}
