/** The last lines of each slot's build log, from job.log events. */
import type { EngineEvent } from "../../engine/events.js";
import { LiveCollector } from "./live-collector.js";
import type { TuiSource } from "./source.js";

export class SlotLogs extends LiveCollector<Map<string, string[]>> {
  private readonly lines = new Map<string, string[]>();

  constructor(source: TuiSource, private readonly keep: number) {
    super(source);
  }

  protected apply(e: EngineEvent): boolean {
    if (e.type === "job.started") this.lines.set(e.slot, []);
    else if (e.type === "job.log") {
      const lines = this.lines.get(e.slot) ?? [];
      lines.push(e.line);
      if (lines.length > this.keep) lines.splice(0, lines.length - this.keep);
      this.lines.set(e.slot, lines);
    } else return false;
    return true;
  }

  snapshot(): Map<string, string[]> {
    return new Map([...this.lines].map(([slot, lines]) => [slot, lines.slice()]));
  }
}
