/**
 * A real, signed, one-package Debian source archive on disk, so the debrebuild backend's apt
 * steps run against the real apt-get: InRelease clearsigned by a throwaway key, Sources with the
 * package's checksums, and the .dsc and tarball in the pool.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stopAgent, tempDir } from "./fake-tools.js";

export interface LocalArchive {
  /** file:// URL of the archive root, to use as the backend's `mirror`. */
  mirror: string;
  /** Binary keyring with the archive's public key, for `signed-by`. */
  keyring: string;
  /** The source package's files as they lie in the pool. */
  files: Record<string, Buffer>;
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");

export function createLocalArchive(suite: string, source: string, version: string): LocalArchive {
  const root = tempDir("rebuilder-archive-");
  // apt reads the archive and the keyring as its unprivileged _apt user.
  chmodSync(root, 0o755);
  const gnupgHome = tempDir("rebuilder-archive-gpg-");
  const gpg = (...args: string[]) => execFileSync("gpg", ["--batch", "--quiet", ...args], { env: { ...process.env, GNUPGHOME: gnupgHome }, stdio: ["ignore", "pipe", "pipe"] });
  gpg("--passphrase", "", "--quick-gen-key", "rebuilder test archive <archive@example.org>", "ed25519", "sign", "never");
  const keyring = join(root, "archive-keyring.gpg");
  writeFileSync(keyring, gpg("--export"));

  const plainVersion = version.replace(/^[0-9]+:/, "");
  const tarball = Buffer.from(`source of ${source} ${version}\n`);
  const tarballName = `${source}_${plainVersion}.tar.xz`;
  const dscName = `${source}_${plainVersion}.dsc`;
  const dsc = Buffer.from(
    [
      "Format: 3.0 (native)",
      `Source: ${source}`,
      `Binary: ${source}`,
      "Architecture: any",
      `Version: ${version}`,
      "Checksums-Sha256:",
      ` ${sha256(tarball)} ${tarball.length} ${tarballName}`,
      "Files:",
      ` ${md5(tarball)} ${tarball.length} ${tarballName}`,
      "",
    ].join("\n"),
  );
  const directory = `pool/main/${source[0]}/${source}`;
  mkdirSync(join(root, directory), { recursive: true });
  writeFileSync(join(root, directory, dscName), dsc);
  writeFileSync(join(root, directory, tarballName), tarball);

  const entries = [[dscName, dsc], [tarballName, tarball]] as const;
  const sources = Buffer.from(
    [
      `Package: ${source}`,
      `Binary: ${source}`,
      `Version: ${version}`,
      "Maintainer: Jane Doe <jane@example.org>",
      "Architecture: any",
      "Format: 3.0 (native)",
      `Directory: ${directory}`,
      "Files:",
      ...entries.map(([name, data]) => ` ${md5(data)} ${data.length} ${name}`),
      "Checksums-Sha256:",
      ...entries.map(([name, data]) => ` ${sha256(data)} ${data.length} ${name}`),
      "",
      "",
    ].join("\n"),
  );
  const dists = join(root, "dists", suite);
  mkdirSync(join(dists, "main", "source"), { recursive: true });
  writeFileSync(join(dists, "main", "source", "Sources"), sources);
  // apt refuses Release files dated in the future; a minute ago is safe.
  const date = new Date(Date.now() - 60_000).toUTCString().replace("GMT", "UTC");
  writeFileSync(
    join(dists, "Release"),
    [`Suite: ${suite}`, `Codename: ${suite}`, `Date: ${date}`, "Architectures: amd64", "Components: main", "SHA256:", ` ${sha256(sources)} ${sources.length} main/source/Sources`, ""].join("\n"),
  );
  gpg("--clearsign", "--output", join(dists, "InRelease"), join(dists, "Release"));
  stopAgent(gnupgHome);
  return { mirror: `file://${root}`, keyring, files: { [dscName]: dsc, [tarballName]: tarball } };
}
