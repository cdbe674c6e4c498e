/** What the TUI draws from untrusted text: every escape sequence family removed, and diffoscope's diff coloured by us. */
import { describe, expect, it } from "vitest";
import { oneLine, stripControls } from "../../src/cli/terminal.js";
import { diffLineColour } from "../../src/tui/colours.js";

describe("stripControls", () => {
  it.each([
    ["SGR colours", "a\u001b[31mred\u001b[0m b", "ared b"],
    ["clear screen and cursor home", "\u001b[2J\u001b[Hx", "x"],
    ["alternate screen and private modes", "\u001b[?1049h\u001b[?25lx", "x"],
    ["window title (OSC 0, BEL)", "x\u001b]0;title\u0007y", "xy"],
    ["OSC 8 link (ST-terminated)", "x\u001b]8;;http://evil.test/\u001b\\click\u001b]8;;\u001b\\y", "xclicky"],
    ["unterminated OSC", "x\u001b]2;title", "x"],
    ["DCS string", "p\u001bPq#0;2\u001b\\q", "pq"],
    ["APC and PM strings", "a\u001b_hidden\u001b\\b\u001b^pm\u001b\\c", "abc"],
    ["8-bit CSI", "c\u009b2Jd", "cd"],
    ["8-bit OSC ended by 8-bit ST", "e\u009d0;t\u009cf", "ef"],
    ["charset and reset escapes", "e\u001b(Bf\u001bcg", "efg"],
    ["C0 controls, DEL and CR", "\u0007a\u0000b\u0008c\u007fd\re", "abcde"],
    ["bidi overrides", "a\u202eb\u2066c", "abc"],
  ])("removes %s", (_, input, shown) => {
    expect(stripControls(input)).toBe(shown);
  });

  it("keeps newlines, turns tabs into spaces, and keeps other text as it is", () => {
    expect(stripControls("a\tb\nc ünïcødé │ ├──")).toBe("a    b\nc ünïcødé │ ├──");
    expect(oneLine("name\nwith\nlines")).toBe("name with lines");
  });
});

describe("diffLineColour", () => {
  it.each([
    ["--- a/hello.deb", "cyan"],
    ["+++ b/hello.deb", "cyan"],
    ["├── file list", "yellow"],
    ["│   ├── ./usr/bin/hello", "yellow"],
    ["│ @@ -1,3 +1,3 @@", "magenta"],
    ["│ -old line", "red"],
    ["│ +new line", "green"],
    ["│  unchanged", undefined],
  ])("%s", (line, colour) => {
    expect(diffLineColour(line)).toBe(colour);
  });
});
