/** The App rendered with ink-testing-library, with waiting for the screen and typing keys as a person does. */
import { render } from "ink-testing-library";
import { vi } from "vitest";
import { App } from "../../src/tui/App.js";
import type { TuiSource } from "../../src/tui/data/source.js";

/**
 * Lets React commit and run its effects (Ink attaches the new key handlers there) before the
 * next key, as the gap between two keystrokes of a person does: a key written in the same
 * tick as a redraw would reach the handler of the previous screen.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

export function renderApp(source: TuiSource, initialView = 0, onQuit: (times: number) => void = () => {}) {
  const ui = render(<App source={source} onQuit={onQuit} initialView={initialView} />);
  /** Waits until the screen shows `text` (views load asynchronously); `timeout` bounds the wait. */
  const see = (text: string | RegExp, timeout = 20_000) =>
    vi.waitFor(
      () => {
        const frame = ui.lastFrame() ?? "";
        if (typeof text === "string" ? !frame.includes(text) : !text.test(frame)) throw new Error(`screen does not show ${text}:\n${frame}`);
      },
      { timeout },
    );
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      await settle();
      ui.stdin.write(k);
    }
    await settle();
  };
  return { ui, see, press, frames: () => ui.frames.join("\n") };
}
