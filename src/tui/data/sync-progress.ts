/** What each profile's running sync is doing now, from sync.progress events; gone when it finishes. */
import type { EngineEvent } from "../../engine/events.js";
import { LiveCollector } from "./live-collector.js";

export class SyncProgress extends LiveCollector<Map<string, string>> {
  private readonly live = new Map<string, string>();

  protected apply(e: EngineEvent): boolean {
    if (e.type === "sync.progress") {
      const amount = e.packages !== undefined ? `${e.packages.toLocaleString("en")} packages` : e.bytes !== undefined ? `${Math.round(e.bytes / 1024).toLocaleString("en")} KiB` : "";
      const verb = { fetch: "fetching", parse: "parsing", import: "importing" }[e.kind];
      this.live.set(e.profile, `${verb} ${e.detail.split("/").slice(-3).join("/")} ${amount}`.trim());
    } else if (e.type === "sync.finished") this.live.delete(e.profile);
    else return false;
    return true;
  }

  snapshot(): Map<string, string> {
    return new Map(this.live);
  }
}
