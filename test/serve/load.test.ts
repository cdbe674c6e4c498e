/**
 * 200 concurrent clients on loopback against a real `rebuilder serve` while it syncs the
 * bookworm slice and builds a repository: not one 5xx or broken connection, and every build ends
 * with the verdict its package deserves (no FAIL caused by the load). The load lasts
 * REBUILDER_LOAD_SECONDS (default 10; 30 for the full-length run).
 */
import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync } from "node:fs";
import { Agent, get as httpGet } from "node:http";
import { archRepo } from "./arch-repo.js";
import { bookwormSync, getJson, killServers, openDb, startServe, waitFor } from "./serve-process.js";

const LOAD_SECONDS = Number(process.env.REBUILDER_LOAD_SECONDS ?? 10);
const CLIENTS = 200;

/** What rebuilderd clients read, round-robin: listings as rebuildctl pages them, single records, the dashboard, metrics. */
const paths = (i: number) => {
  // The repository's 12 binaries exist from the start; the slice's arrive when its import commits.
  const id = 1 + (i % 12);
  return [
    `/api/v1/packages/binary?limit=100&after=${(i * 7919) % 60_000}`,
    `/api/v1/packages/binary/${id}`,
    `/api/v1/packages/source?limit=100`,
    `/api/v1/queue?limit=100`,
    `/api/v1/builds?limit=20`,
    `/api/v1/dashboard`,
    `/api/v1/workers`,
    `/api/v1/meta/distributions`,
    `/api/v1/x-sync`,
    `/metrics`,
  ][i % 10]!;
};

interface Tally {
  requests: number;
  byStatus: Record<number, number>;
  errors: string[];
}

/** One GET on the keep-alive agent; resolves with the status once the body is read. */
function get(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent }, (res) => {
      res.on("error", reject);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.resume();
    });
    req.on("error", reject);
  });
}

/** CLIENTS loops, each on its own keep-alive connection (node:http, so the test runs on Node and Bun alike). */
async function load(url: string, seconds: number): Promise<Tally> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const tally: Tally = { requests: 0, byStatus: {}, errors: [] };
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const client = async () => {
    while (Date.now() < end) {
      const path = paths(n++);
      try {
        const status = await get(agent, `${url}${path}`);
        tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
      } catch (err) {
        tally.errors.push(`${path}: ${(err as Error).message}`);
      }
      tally.requests++;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  agent.destroy();
  return tally;
}

afterEach(killServers);

describe("rebuilder serve under load", () => {
  it(`answers ${CLIENTS} concurrent clients for ${LOAD_SECONDS}s while syncing and building, with no 5xx and no failed build`, async () => {
    const names = [...Array.from({ length: 9 }, (_, i) => `good-${i}`), "bad-0", "bad-1", "bad-2"];
    const repo = archRepo(names, { buildSeconds: 1 });
    appendFileSync(repo.config, bookwormSync(repo.root).section);
    const served = await startServe(repo);

    const verdicts = () => {
      const db = openDb(repo.dataDir);
      try {
        return db.prepare<{ name: string; status: string }>("SELECT sp.name, r.status FROM rebuilds r JOIN build_inputs bi ON bi.id = r.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id ORDER BY sp.name").all();
      } finally {
        db.close();
      }
    };
    const syncState = async () => {
      const r = await getJson<{ profiles: { last_success: string | null; last_finished: string | null; last_error: string | null }[] }>(`${served.url}/api/v1/x-sync`);
      return r.profiles[0];
    };
    // The load starts while the sync and the builds are still under way.
    expect((await syncState())?.last_success ?? null).toBeNull();
    expect(verdicts().length).toBeLessThan(names.length);

    const tally = await load(served.url, LOAD_SECONDS);
    console.log(`load: ${tally.requests} requests in ${LOAD_SECONDS}s by ${CLIENTS} clients: ${JSON.stringify(tally.byStatus)}`);
    expect(tally.errors).toEqual([]);
    expect(Object.keys(tally.byStatus).filter((s) => Number(s) >= 500)).toEqual([]);
    expect(Object.keys(tally.byStatus)).toEqual(["200"]);
    expect(tally.requests).toBeGreaterThan(CLIENTS);

    const synced = await waitFor("the sync to finish", async () => ((await syncState())?.last_finished ? await syncState() : undefined), 180, 500);
    expect(synced).toMatchObject({ last_error: null });
    await waitFor("every package built", () => (verdicts().length >= names.length ? true : undefined), 120, 250);
    expect(await served.stop()).toBe(0);
    expect(verdicts()).toEqual(names.map((name) => ({ name, status: name.startsWith("bad") ? "BAD" : "GOOD" })).sort((a, b) => a.name.localeCompare(b.name)));
    expect(served.output().stderr).not.toMatch(/internal error|slot paused|setup error/i);
  }, 600_000);
});
