/** A build log or diffoscope report in the text viewer; diffoscope's diff gets our colours. */
import { Box, Text, useInput } from "ink";
import { oneLine } from "../../cli/terminal.js";
import { diffLineColour } from "../colours.js";
import { useEvidence, type EvidenceRequest } from "../hooks/use-evidence.js";
import { TextViewer } from "./TextViewer.js";

export function EvidenceViewer({ request, height, active, onClose }: { request: EvidenceRequest; height: number; active: boolean; onClose: () => void }) {
  const evidence = useEvidence(request);
  const title = oneLine(request.title);
  useInput((_, key) => key.escape && onClose(), { isActive: active && evidence.state !== "ready" });
  if (evidence.state !== "ready") {
    return (
      <Box flexDirection="column" height={height}>
        <Text bold wrap="truncate-end">{title}</Text>
        <Text color={evidence.state === "missing" ? "yellow" : undefined}>{evidence.state === "loading" ? "loading…" : oneLine(evidence.why)}</Text>
        <Text dimColor>Esc back</Text>
      </Box>
    );
  }
  return (
    <TextViewer
      title={title}
      lines={evidence.lines}
      height={height}
      active={active}
      onClose={onClose}
      {...(request.kind === "diffoscope" ? { colourOf: diffLineColour } : {})}
    />
  );
}
