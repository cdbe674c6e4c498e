/** What every command needs from the global options: the data directory, the store, the engine config. */
import type { Command } from "commander";
import { loadEngineConfig, type EngineConfig } from "../engine/config.js";
import { Engine, type EngineOptions } from "../engine/engine.js";
import { resolveDataDir } from "../engine/paths.js";
import { openStore, type Database } from "../engine/store/index.js";

export interface GlobalOptions {
  dataDir?: string;
  config?: string;
  verbose?: number;
}

export class CliContext {
  readonly dataDir: string;
  private db?: Database;
  private engineConfig?: EngineConfig;

  constructor(readonly options: GlobalOptions) {
    this.dataDir = resolveDataDir(options.dataDir);
  }

  static of(cmd: Command): CliContext {
    return new CliContext(cmd.optsWithGlobals<GlobalOptions>());
  }

  store(): Database {
    return (this.db ??= this.runningEngine?.db ?? openStore(this.dataDir));
  }

  private runningEngine?: Engine;

  /** The shared engine (store, key, events, slots) for the faces that build: build, serve, tui. */
  async engine(opts: Omit<EngineOptions, "dataDir" | "config"> = {}): Promise<Engine> {
    if (this.db) throw new Error("CliContext.engine() must come before store(): the engine owns the store");
    this.runningEngine ??= await Engine.open({ dataDir: this.dataDir, config: this.config(), ...opts });
    this.db = this.runningEngine.db;
    return this.runningEngine;
  }

  config(): EngineConfig {
    if (!this.engineConfig) {
      const { config, warnings } = loadEngineConfig(this.options.config);
      for (const w of warnings) warn(w);
      this.engineConfig = config;
    }
    return this.engineConfig;
  }

  /** Closes the store; a started engine is closed by its face (`await engine.close()`), which stops its slots first. */
  close(): void {
    if (!this.runningEngine) this.db?.close();
    this.db = undefined;
  }
}

export function warn(message: string): void {
  process.stderr.write(`rebuilder: warning: ${message}\n`);
}

/** Collects a repeatable option into a list (commander helper). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
