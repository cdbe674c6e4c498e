/**
 * A screen line built from sanitised spans in our own colours, cut or padded to exactly `width`
 * terminal columns. Columns are counted per grapheme as Ink's output grid counts them (at least
 * one each, two for wide CJK and emoji), so the line never spills past the screen.
 */
import chalk from "chalk";
import stringWidth from "string-width";
import { oneLine } from "../cli/terminal.js";

export type Colour = "cyan" | "gray" | "yellow" | "red" | "green" | "magenta";

export interface SpanStyle {
  colour?: Colour | undefined;
  dim?: boolean | undefined;
  bold?: boolean | undefined;
  inverse?: boolean | undefined;
}

export type Span = string | ({ text: string } & SpanStyle);

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

// chalk, as Ink's <Text> colours: only SGR codes, and none where the terminal has no colour (NO_COLOR, not a TTY).
function styled(text: string, s: SpanStyle): string {
  if (text === "") return text;
  let c = chalk;
  if (s.colour) c = c[s.colour];
  if (s.bold) c = c.bold;
  if (s.dim) c = c.dim;
  if (s.inverse) c = c.inverse;
  return c(text);
}

const columns = (grapheme: string) => Math.max(1, stringWidth(grapheme));

/** The spans' text made inert (`oneLine`), in their styles over the line's, `…` where cut. */
export function fitLine(spans: readonly Span[], width: number, line: SpanStyle = {}): string {
  const parts = spans.map((s) => (typeof s === "string" ? { text: oneLine(s) } : { ...s, text: oneLine(s.text) }));
  const room = fits(parts, width) ? width : width - 1;
  let used = 0;
  let out = "";
  let style: SpanStyle = line;
  let cut = false;
  for (const p of parts) {
    let kept = "";
    for (const { segment } of graphemes.segment(p.text)) {
      const w = columns(segment);
      if (used + w > room) {
        cut = true;
        break;
      }
      kept += segment;
      used += w;
    }
    style = { colour: p.colour ?? line.colour, dim: p.dim ?? line.dim, bold: p.bold ?? line.bold, inverse: p.inverse ?? line.inverse };
    out += styled(kept, style);
    if (cut) break;
  }
  if (cut && width > 0) {
    out += styled("…", style);
    used += 1;
  }
  // Padding keeps the line's own look (an inverted selection spans the whole row).
  return out + styled(" ".repeat(Math.max(0, width - used)), line);
}

/** Whether the text takes at most `width` columns; reads no further than that (log lines can be long). */
function fits(parts: readonly { text: string }[], width: number): boolean {
  let used = 0;
  for (const p of parts) {
    for (const { segment } of graphemes.segment(p.text)) {
      used += columns(segment);
      if (used > width) return false;
    }
  }
  return true;
}
