/** Lines whose text keeps changing, drawn by Ink at exactly the screen's width: wide characters cut on a column, hostile text inert. */
import { Box } from "ink";
import { render } from "ink-testing-library";
import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { FixedLine } from "../../src/tui/components/FixedLine.js";
import type { Span } from "../../src/tui/fit-line.js";
import { HOSTILE, leaks } from "./harness.js";

/** The screen lines Ink draws for these lines in a 20-column terminal. */
function draw(...lines: Span[][]): string[] {
  const ui = render(
    <Box flexDirection="column" width={20}>
      {lines.map((spans, i) => (
        <FixedLine key={i} width={20} spans={spans} />
      ))}
    </Box>,
  );
  const frame = ui.lastFrame() ?? "";
  ui.unmount();
  return frame.split("\n");
}

describe("FixedLine", () => {
  it.each([
    ["CJK", "编译 ui-界面模块 完成 并且 继续 下一个", "编译 ui-界面模块 完…"],
    ["emoji", "✅ passed 🎉🎉🎉🎉🎉🎉🎉🎉🎉", "✅ passed 🎉🎉🎉🎉…"],
    ["a wide character on the last column", "123456789012345678界面", "123456789012345678…"],
    ["combining marks and flags", "ü̈ñ 🇩🇪🇫🇷 ok ok ok ok ok ok", "ü̈ñ 🇩🇪🇫🇷 ok ok ok ok…"],
  ])("cuts %s to the width, on a column", (_, text, shown) => {
    const [line] = draw([text]);
    expect(line).toBe(shown);
    expect(stringWidth(line!)).toBeLessThanOrEqual(20);
  });

  it("keeps a line that fits as it is, and its spans in order", () => {
    expect(draw(["a ", { text: "b", colour: "red" }, " c"], ["界面 fits"])).toEqual(["a b c", "界面 fits"]);
  });

  it("draws hostile text inert", () => {
    const [line] = draw([`log${HOSTILE}line`]);
    expect(line).toBe("logclickline");
    expect(leaks(line!)).toEqual([]);
  });
});
