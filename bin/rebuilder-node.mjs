#!/usr/bin/env node
// Runs the TypeScript sources under Node (the `npx rebuilder` path); the compiled binary runs bin/rebuilder.ts on Bun.
import { register } from "tsx/esm/api";

register();
// React (the TUI) in its production build, as in the binary, unless a test runner chose otherwise.
process.env.NODE_ENV ??= "production";
await import("./rebuilder.ts");
