/**
 * Real RPMs for the comparison tests, built with Debian's rpmbuild and signed with rpmsign and a
 * throw-away GPG key. Builds are reproducible (SOURCE_DATE_EPOCH as BUILDTIME, clamped mtimes),
 * so two builds differ only where a test asks them to.
 */
import { execa } from "execa";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SPEC = new URL("../../fixtures/evidence/hello.spec", import.meta.url).pathname;
const RPM_NAME = "hello-1.0-1.noarch.rpm";

export interface RpmBuilds {
  dir: string;
  /** greeting "hi", BUILDHOST host-a */
  plain: string;
  /** same as plain, built on host-b */
  otherHost: string;
  /** greeting "bye", built on host-a */
  otherPayload: string;
  /** plain, signed with a GPG key */
  signed: string;
  /** otherHost, signed */
  signedOtherHost: string;
  /** Stops the gpg-agent the signing started. */
  cleanup(): Promise<void>;
}

export async function buildRpms(): Promise<RpmBuilds> {
  const dir = mkdtempSync(join(tmpdir(), "rebuilder-rpm-"));
  const env = { HOME: dir, PATH: process.env.PATH, SOURCE_DATE_EPOCH: "1700000000", LC_ALL: "C" };
  const build = async (name: string, greeting: string, host: string) => {
    const top = join(dir, `top-${name}`);
    const defines = {
      _topdir: top,
      greeting,
      _buildhost: host,
      use_source_date_epoch_as_buildtime: "1",
      clamp_mtime_to_source_date_epoch: "1",
    };
    const args = Object.entries(defines).flatMap(([k, v]) => ["--define", `${k} ${v}`]);
    await execa("rpmbuild", ["-bb", ...args, SPEC], { env, extendEnv: false });
    const out = join(dir, `${name}.rpm`);
    copyFileSync(join(top, "RPMS", "noarch", RPM_NAME), out);
    return out;
  };
  const [plain, otherHost, otherPayload] = await Promise.all([build("plain", "hi", "host-a"), build("other-host", "hi", "host-b"), build("other-payload", "bye", "host-a")]);

  const gnupg = join(dir, "gnupg");
  mkdirSync(gnupg, { mode: 0o700 });
  const gpgEnv = { ...env, GNUPGHOME: gnupg };
  await execa("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "Rebuilder Test <test@example.invalid>", "ed25519", "sign", "never"], { env: gpgEnv, extendEnv: false });
  const gpg = (await execa("sh", ["-c", "command -v gpg"])).stdout.trim();
  const sign = async (source: string, name: string) => {
    const out = join(dir, name);
    copyFileSync(source, out);
    await execa("rpmsign", ["--addsign", "--define", "_gpg_name Rebuilder Test", "--define", `__gpg ${gpg}`, out], { env: gpgEnv, extendEnv: false, stdin: "ignore" });
    return out;
  };
  const signed = await sign(plain, "signed.rpm");
  const signedOtherHost = await sign(otherHost, "signed-other-host.rpm");
  const cleanup = async () => {
    await execa("gpgconf", ["--kill", "gpg-agent"], { env: gpgEnv, extendEnv: false, reject: false });
  };
  return { dir, plain, otherHost, otherPayload, signed, signedOtherHost, cleanup };
}
