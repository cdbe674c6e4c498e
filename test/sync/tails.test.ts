import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareTailsVersions, tailsSync } from "../../src/sync/tails.js";
import { IndexError } from "../../src/sync/report.js";
import type { SyncContext, SyncProfile } from "../../src/sync/types.js";
import { LocalFetcher } from "./local-fetcher.js";
import { buildReports, recordingContext, testProfile } from "./harness.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "rebuilder-tails-"));

/** An autoindex page as a web server renders the mirror's `stable/` directory. */
function listing(dirs: string[]): string {
  return `<html>
<head><title>Index of /tails/stable/</title></head>
<body>
<h1>Index of /tails/stable/</h1><hr><pre><a href="../">../</a>
${dirs.map((d) => `<a href="${d}/">${d}/</a>                               20-Dec-2024 12:01       -`).join("\n")}
</pre><hr></body>
</html>
`;
}

function profile(source: string, over: Partial<SyncProfile> = {}): SyncProfile {
  return testProfile("tails", source, { releases: [{ name: "stable" }], architectures: ["amd64"], ...over });
}

function context(fetcher = new LocalFetcher()) {
  return recordingContext({ fetcher });
}

const sync = (p: SyncProfile, ctx: SyncContext) => buildReports(tailsSync, p, ctx);

describe("tails sync", () => {
  it("makes one group of the newest version's .img and .iso, whatever the listing's order", async () => {
    const root = tempDir();
    writeFileSync(join(root, "stable"), listing(["tails-amd64-6.9", "tails-amd64-6.10", "tails-amd64-6.10~rc1", "tails-amd64-6.2"]));
    const fetcher = new LocalFetcher({ "https://mirror.example/tails/": root });
    const { ctx, events } = context(fetcher);
    const reports = await sync(profile("https://mirror.example/tails/"), ctx);
    const dir = "https://mirror.example/tails/stable/tails-amd64-6.10";
    expect(reports).toEqual([
      {
        distribution: "tails",
        release: "stable",
        architecture: "amd64",
        packages: [
          {
            name: "tails",
            version: "6.10",
            url: `${dir}/tails-amd64-6.10.img`,
            artifacts: [
              { name: "tails-amd64-6.10.img", version: "6.10", component: null, architecture: "amd64", url: `${dir}/tails-amd64-6.10.img` },
              { name: "tails-amd64-6.10.iso", version: "6.10", component: null, architecture: "amd64", url: `${dir}/tails-amd64-6.10.iso` },
            ],
          },
        ],
      },
    ]);
    expect(fetcher.requested).toEqual(["https://mirror.example/tails/stable"]);
    expect(events).toEqual([{ kind: "parse", file: "https://mirror.example/tails/stable", packages: 1 }]);
  });

  it("makes one plan per release and architecture, fetching each release's listing once", async () => {
    const root = tempDir();
    writeFileSync(join(root, "stable"), listing(["tails-amd64-6.10", "tails-arm64-6.10"]));
    writeFileSync(join(root, "alpha"), listing(["tails-amd64-7.0~beta1", "tails-arm64-7.0~beta2"]));
    const { ctx, fetcher } = context();
    const p = profile(root, { releases: [{ name: "stable" }, { name: "alpha" }], architectures: ["amd64", "arm64"] });
    const plans = await tailsSync.plan(p, ctx);
    expect(plans.map((plan) => plan.scopes[0])).toEqual([
      { release: "stable", architecture: "amd64" },
      { release: "stable", architecture: "arm64" },
      { release: "alpha", architecture: "amd64" },
      { release: "alpha", architecture: "arm64" },
    ]);
    expect(fetcher.requested).toEqual([`${root}/stable`, `${root}/alpha`]);
    const reports = (await Promise.all(plans.map((plan) => plan.build()))).flat();
    expect(reports.map((r) => r.packages[0]!.url)).toEqual([
      `${root}/stable/tails-amd64-6.10/tails-amd64-6.10.img`,
      `${root}/stable/tails-arm64-6.10/tails-arm64-6.10.img`,
      `${root}/alpha/tails-amd64-7.0~beta1/tails-amd64-7.0~beta1.img`,
      `${root}/alpha/tails-arm64-7.0~beta2/tails-arm64-7.0~beta2.img`,
    ]);
  });

  it("refuses a listing without a version, naming its URL", async () => {
    const root = tempDir();
    // `tails-amd64-../` matches rebuilderd's pattern; a version must start with a digit here.
    writeFileSync(join(root, "stable"), listing(["tails-i386-1.0", "tails-amd64-..", "tails-amd64-$(touch x)"]));
    const err = await sync(profile(root), context().ctx).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IndexError);
    expect((err as IndexError).message).toBe(`${root}/stable: the directory listing names no tails-amd64-<version>/ directory`);
  });

  it("orders versions as dpkg does", () => {
    const versions = ["6.10", "6.9", "6.10~rc1", "6.2", "7.0~beta1", "6.10.1", "7.0", "6.10a"];
    expect([...versions].sort(compareTailsVersions)).toEqual(["6.2", "6.9", "6.10~rc1", "6.10", "6.10a", "6.10.1", "7.0~beta1", "7.0"]);
    expect(compareTailsVersions("6.010", "6.10")).toBe(0);
  });
});
