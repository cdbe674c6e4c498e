/**
 * Groups accepted binaries into one PackageReport per (release, binary architecture), and
 * within it one source group per upload (source name, version incl. binNMU suffix).
 */
import type { ArtifactReport, PackageReport, SourceGroupReport } from "../report.js";
import { buildinfoUrl } from "./buildinfo-url.js";

interface ReportState {
  report: PackageReport;
  /** source name → upload version → group */
  groups: Map<string, Map<string, SourceGroupReport>>;
}

export class ReportBuilder {
  private readonly byArch = new Map<string, ReportState>();

  /** Every configured architecture gets a report, empty or not (rebuilderd PR #208). */
  constructor(
    release: string,
    architectures: readonly string[],
    private readonly buildinfoBase: string,
  ) {
    for (const architecture of architectures) {
      this.byArch.set(architecture, { report: { distribution: "debian", release, architecture, packages: [] }, groups: new Map() });
    }
  }

  wants(architecture: string): boolean {
    return this.byArch.has(architecture);
  }

  add(sourceName: string, uploadVersion: string, artifact: ArtifactReport): void {
    const state = this.byArch.get(artifact.architecture);
    if (!state) throw new Error(`no report for architecture ${artifact.architecture}`);
    let versions = state.groups.get(sourceName);
    if (!versions) state.groups.set(sourceName, (versions = new Map()));
    let group = versions.get(uploadVersion);
    if (!group) {
      const url = buildinfoUrl(this.buildinfoBase, sourceName, uploadVersion, artifact.architecture);
      group = { name: sourceName, version: uploadVersion, url, artifacts: [] };
      versions.set(uploadVersion, group);
      state.report.packages.push(group);
    }
    // An `all` binary is listed in binary-all and in every binary-<arch>: keep it once. A scan of
    // the upload's few binaries costs less than a key string per binary in a set.
    const { artifacts } = group;
    for (const a of artifacts) if (a.name === artifact.name && a.version === artifact.version && a.component === artifact.component) return;
    artifacts.push(artifact);
  }

  reports(): PackageReport[] {
    return [...this.byArch.values()].map((state) => state.report);
  }
}
