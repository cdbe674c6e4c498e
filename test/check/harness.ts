/**
 * Stores with real rebuild results and signed attestations, and a small real HTTP server that
 * answers the rebuilderd v1 read endpoints `check` uses from such a store, with hooks to serve a
 * tampered attestation or to play an old v0-only server.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zstdCompress, zstdDecompress } from "../../src/engine/compression.js";
import { createLinkAttestation, publicKeyPem, signingKeyFromSeed, type SigningKey } from "../../src/engine/evidence/index.js";
import { openStore, type Database } from "../../src/engine/store/index.js";
import { attestationBlob } from "../../src/engine/store/queries/evidence.js";
import { listBinaryPackages } from "../../src/engine/store/queries/packages.js";
import { toDbTime } from "../../src/engine/store/time.js";

export const keyOf = (n: number): SigningKey => signingKeyFromSeed(new Uint8Array(32).fill(n));

export interface Pkg {
  name: string;
  version: string;
  architecture?: string;
  distribution?: string;
  /** The latest rebuild's verdict; undefined: never built. */
  status?: "GOOD" | "BAD" | "FAIL";
  /** The bytes the rebuild attests (default: the published bytes). */
  rebuiltBytes?: string;
}

export const publishedBytes = (p: { name: string; version: string }) => `package ${p.name} ${p.version}\n`;
export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const fileOf = (p: { name: string; version: string; architecture?: string }) => `${p.name}_${p.version}_${p.architecture ?? "amd64"}.deb`;

export function tempDir(prefix = "rebuilder-check-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A store in `dataDir` holding `pkgs`, with GOOD artifacts attested by `key`. */
export async function seedStore(dataDir: string, key: SigningKey, pkgs: Pkg[]): Promise<Database> {
  const db = openStore(dataDir);
  const files = join(dataDir, "files");
  mkdirSync(files, { recursive: true });
  const now = toDbTime(new Date());
  for (const p of pkgs) {
    const arch = p.architecture ?? "amd64";
    const distribution = p.distribution ?? "debian";
    const release = distribution === "archlinux" ? null : "bookworm";
    const source =
      db.prepare<{ id: number }>("SELECT id FROM source_packages WHERE name = ? AND version = ? AND distribution = ? AND release IS ?").get(p.name, p.version, distribution, release)?.id ??
      db.prepare("INSERT INTO source_packages (name, version, distribution, release, last_seen) VALUES (?, ?, ?, ?, ?)").run(p.name, p.version, distribution, release, now).lastInsertRowid;
    const input = db
      .prepare("INSERT INTO build_inputs (source_package_id, url, backend, architecture) VALUES (?, ?, ?, ?)")
      .run(source, `https://buildinfo.test/${p.name}_${p.version}_${arch}.buildinfo`, distribution, arch).lastInsertRowid;
    db.prepare(
      "INSERT INTO binary_packages (source_package_id, build_input_id, name, version, component, architecture, artifact_url, sha256, size) VALUES (?, ?, ?, ?, 'main', ?, ?, ?, 1)",
    ).run(source, input, p.name, p.version, arch, `https://mirror.test/pool/${fileOf(p)}`, sha256(publishedBytes(p)));
    if (!p.status) continue;
    const log = db.prepare("INSERT INTO build_logs (build_log) VALUES (?)").run(zstdCompress(`building ${p.name}\n`)).lastInsertRowid;
    const rebuild = db
      .prepare("INSERT INTO rebuilds (build_input_id, started_at, built_at, build_log_id, status) VALUES (?, ?, ?, ?, ?)")
      .run(input, now, now, log, p.status).lastInsertRowid;
    if (p.status === "FAIL") continue;
    let attestation: number | null = null;
    if (p.status === "GOOD") {
      const product = join(files, fileOf(p));
      writeFileSync(product, p.rebuiltBytes ?? publishedBytes(p));
      const material = join(files, `${p.name}.buildinfo`);
      writeFileSync(material, "buildinfo\n");
      const json = await createLinkAttestation(key, fileOf(p), [{ name: `${p.name}.buildinfo`, path: material }], { name: fileOf(p), path: product });
      attestation = db.prepare("INSERT INTO attestation_logs (attestation_log) VALUES (?)").run(zstdCompress(json)).lastInsertRowid;
    }
    db.prepare("INSERT INTO rebuild_artifacts (rebuild_id, name, attestation_log_id, status) VALUES (?, ?, ?, ?)").run(rebuild, p.name, attestation, p.status);
  }
  return db;
}

export interface TestRebuilder {
  url: string;
  /** Requests served so far, by path. */
  hits: string[];
  /** The most requests it was answering at one time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Rewrites an attestation before it is served (a forger in the middle). */
  tamper?: (json: Uint8Array) => Uint8Array;
  /** Serve only /api/v0 (a rebuilderd ≤ v0.25). */
  v0Only?: boolean;
  /** The key published at public-keys (default: the key the store's attestations are signed with). */
  publishedKey?: SigningKey;
  /** Answers each request this late (a slow rebuilder). */
  delayMs?: number;
  /** Answers this many requests with 503 before answering properly (a rebuilder under load). */
  failFirst?: number;
}

/** A real HTTP server on loopback answering from `db` as a rebuilderd would. */
export async function serveStore(db: Database, key: SigningKey, opts: ServerOptions = {}): Promise<TestRebuilder> {
  const hits: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    hits.push(new URL(req.url!, "http://x").pathname);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.on("close", () => inFlight--);
    if (opts.delayMs) setTimeout(() => answer(req, res), opts.delayMs);
    else answer(req, res);
  });
  let failures = 0;
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, "http://x");
    if (failures < (opts.failFirst ?? 0)) {
      failures++;
      res.writeHead(503);
      return res.end();
    }
    const json = (v: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(v));
    };
    const q = (k: string) => url.searchParams.get(k) ?? undefined;
    const v1 = !opts.v0Only;
    let m: RegExpExecArray | null;
    if (v1 && url.pathname === "/api/v1/packages/binary") return json(listBinaryPackages(db, { name: q("name"), version: q("version"), architecture: q("architecture") }, { limit: 1000 }));
    if ((v1 && url.pathname === "/api/v1/meta/public-keys") || url.pathname === "/api/v0/public-keys") return json({ current: [publicKeyPem(opts.publishedKey ?? key)] });
    if (url.pathname === "/api/v0/pkgs/list") {
      const { records } = listBinaryPackages(db, { name: q("name"), architecture: q("architecture") }, { limit: 100_000 });
      return json(
        records.map((r) => ({ name: r.name, version: r.version, status: r.status ?? "UNKWN", distro: r.distribution, suite: r.component, architecture: r.architecture, artifact_url: r.url, build_id: r.build_id, built_at: null, has_diffoscope: false, has_attestation: r.attestation_log_id !== null })),
      );
    }
    const attestationId = v1 && (m = /^\/api\/v1\/builds\/\d+\/artifacts\/(\d+)\/attestation$/.exec(url.pathname)) ? Number(m[1]) : null;
    const v0Build = (m = /^\/api\/v0\/builds\/(\d+)\/attestation$/.exec(url.pathname)) ? Number(m[1]) : null;
    const artifact =
      attestationId ?? (v0Build === null ? null : (db.prepare<{ id: number }>("SELECT id FROM rebuild_artifacts WHERE rebuild_id = ? AND attestation_log_id IS NOT NULL ORDER BY id LIMIT 1").get(v0Build)?.id ?? null));
    const blob = artifact === null ? null : attestationBlob(db, artifact);
    if (blob) {
      const plain = zstdDecompress(blob);
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      return res.end(opts.tamper ? opts.tamper(plain) : plain);
    }
    res.writeHead(404);
    res.end();
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A rebuilder that went away: a URL on loopback where nothing listens. */
export async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
