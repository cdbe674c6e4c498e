#!/usr/bin/env node
// Runs the TypeScript sources under Node (the `npx rebuilder` path); the compiled binary runs bin/rebuilder.ts on Bun.
import { register } from "tsx/esm/api";

register();
await import("./rebuilder.ts");
