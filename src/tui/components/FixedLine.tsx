/**
 * One screen line whose text keeps changing (streamed log lines, ticking timers, live progress).
 * Ink caches the measure and wrap of every distinct text a <Text> is laid out with, for good:
 * here layout only ever sees blanks of the line's width (one cache entry per width), and the
 * real line, sanitised and fitted to that width by fitLine, is written by the transform.
 */
import { Transform } from "ink";
import { fitLine, type Span, type SpanStyle } from "../fit-line.js";

export function FixedLine({ spans, width, ...line }: { spans: readonly Span[]; width: number } & SpanStyle) {
  if (width <= 0) return null;
  const text = fitLine(spans, width, line);
  return <Transform transform={() => text}>{" ".repeat(width)}</Transform>;
}
