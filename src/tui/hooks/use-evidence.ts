/** A build log or diffoscope report, loaded through the source and sanitized once into lines for the viewer. */
import { useEffect, useState } from "react";
import { stripControls } from "../../cli/terminal.js";
import { useSource } from "../app-context.js";

export type EvidenceRequest = { kind: "log"; buildId: number; title: string } | { kind: "diffoscope"; buildId: number; artifactId: number; title: string };

export type Evidence = { state: "loading" } | { state: "missing"; why: string } | { state: "ready"; lines: string[] };

export function useEvidence(request: EvidenceRequest | null): Evidence {
  const source = useSource();
  const [evidence, setEvidence] = useState<Evidence>({ state: "loading" });
  useEffect(() => {
    if (!request) return;
    let alive = true;
    setEvidence({ state: "loading" });
    const text = request.kind === "log" ? source.buildLog(request.buildId) : source.diffoscope(request.buildId, request.artifactId);
    text.then(
      (t) => alive && setEvidence(t === null ? { state: "missing", why: `no ${request.kind === "log" ? "build log" : "diffoscope report"} stored` } : { state: "ready", lines: stripControls(t).split("\n") }),
      (err: unknown) => alive && setEvidence({ state: "missing", why: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      alive = false;
    };
  }, [source, request]);
  return evidence;
}
