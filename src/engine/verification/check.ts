/**
 * `check`: for each package, the local store's verdict and every remote's, queried concurrently
 * (a bounded number of requests in flight per remote), combined into one verdict. Remote answers
 * are cached in the store; `offline` answers from that cache, and a remote that fails falls back
 * to its cached answer, marked with the time it was fetched.
 */
import type { Database } from "../store/index.js";
import { LocalVerdicts, type LocalBinary } from "../store/queries/local-verdict.js";
import { RemoteVerdictCache } from "../store/queries/remote-verdicts.js";
import { combineVerdicts, type ExpectedArtifact, type PackageQuery, type PackageVerdict, type SourceVerdict } from "./consensus.js";
import { artifactFileName, remoteVerdict, type RebuilderApi } from "./remote-verdict.js";

export interface CheckOptions {
  threshold: number;
  trustUnsigned: boolean;
  /** Answer remotes from the cache only. */
  offline: boolean;
  /** Requests in flight per remote. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

interface Question {
  query: PackageQuery;
  local: LocalBinary | null;
  /** What is asked of the remotes: the version and architecture the store knows, when the query left them open. */
  remote: PackageQuery;
  expected: ExpectedArtifact | null;
}

function localVerdict(local: LocalBinary | null): SourceVerdict {
  if (!local) return { source: "local", status: "NOT_FOUND", version: null, verified: false };
  const status = local.status ?? "UNKWN";
  return { source: "local", status, version: local.version, verified: status === "GOOD", ...(local.sha256 ? { sha256: local.sha256 } : {}) };
}

export async function checkPackages(db: Database, queries: PackageQuery[], remotes: RebuilderApi[], opts: CheckOptions): Promise<PackageVerdict[]> {
  const lookup = new LocalVerdicts(db);
  const questions: Question[] = queries.map((query) => {
    const local = lookup.find(query.name, query.version, query.architecture);
    return {
      query,
      local,
      remote: { name: query.name, version: query.version ?? local?.version, architecture: query.architecture ?? local?.architecture },
      expected: local ? { fileName: artifactFileName(local.url), sha256: local.sha256 } : null,
    };
  });
  const cache = new RemoteVerdictCache(db);
  const answers = remotes.map(() => new Array<SourceVerdict>(questions.length));
  const fresh: Parameters<RemoteVerdictCache["putAll"]>[0] = [];
  const total = questions.length * remotes.length;
  let done = 0;

  const ask = async (api: RebuilderApi, q: Question): Promise<SourceVerdict> => {
    if (opts.offline) return fromCache(cache, api.url, q.remote, "--offline") ?? { source: api.url, status: "ERROR", version: null, verified: false, reason: "no cached answer (--offline)" };
    try {
      const v = await remoteVerdict(api, q.remote, q.expected, { trustUnsigned: opts.trustUnsigned });
      // --trust-unsigned answers are not evidence: never let them stand in for a checked answer later.
      if (!v.trusted_unsigned) fresh.push({ remote: api.url, question: q.remote, answer: v, at: new Date() });
      return v;
    } catch (err) {
      const why = (err as Error).message;
      return fromCache(cache, api.url, q.remote, `unreachable: ${why}`) ?? { source: api.url, status: "ERROR", version: null, verified: false, reason: why };
    }
  };

  await Promise.all(
    remotes.map(async (api, r) => {
      let next = 0;
      const worker = async () => {
        while (next < questions.length) {
          const i = next++;
          answers[r]![i] = await ask(api, questions[i]!);
          opts.onProgress?.(++done, total);
        }
      };
      await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 16, questions.length) }, worker));
    }),
  );
  if (fresh.length) cache.putAll(fresh);

  return questions.map((q, i) =>
    combineVerdicts(
      {
        name: q.query.name,
        version: q.remote.version ?? answers.map((a) => a[i]!.version).find((v) => v) ?? null,
        architecture: q.remote.architecture ?? null,
        known: q.local !== null,
      },
      localVerdict(q.local),
      answers.map((a) => a[i]!),
      opts.threshold,
    ),
  );
}

function fromCache(cache: RemoteVerdictCache, remote: string, q: PackageQuery, why: string): SourceVerdict | null {
  const hit = cache.get<SourceVerdict>(remote, q);
  return hit ? { ...hit.answer, cached_at: hit.fetched_at, cached_because: why } : null;
}
