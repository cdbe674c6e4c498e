/**
 * What every distribution parser produces: rebuilderd's PackageReport (reference A.8), one per
 * (distribution, release, build architecture), plus the checksums the index gives us.
 */
export interface ArtifactReport {
  name: string;
  version: string;
  component: string | null;
  architecture: string;
  url: string;
  /** From the index, when it lists one: lets the worker check its download. */
  sha256?: string;
  size?: number;
}

export interface SourceGroupReport {
  name: string;
  version: string;
  /** The build input: Debian .buildinfo, Arch package file, Tails .img, Fedora first artifact. */
  url: string;
  artifacts: ArtifactReport[];
}

export interface PackageReport {
  distribution: string;
  release: string | null;
  architecture: string;
  packages: SourceGroupReport[];
}

/** One binary as the filter rules see it (reference A.2). */
export interface FilterSubject {
  binaryName: string;
  sourceName: string | null;
  maintainers: string[];
  component: string | null;
}

/** An index problem that names the file and, where known, the entry. Nothing is imported after it. */
export class IndexError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly entry?: string,
  ) {
    super(entry ? `${file}: entry ${JSON.stringify(entry)}: ${detail}` : `${file}: ${detail}`);
    this.name = "IndexError";
  }
}
