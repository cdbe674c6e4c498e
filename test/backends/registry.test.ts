import { describe, expect, it } from "vitest";
import { ArchlinuxReproBackend } from "../../src/backends/archlinux-repro.js";
import { CommandBackend } from "../../src/backends/command.js";
import { DebrebuildBackend } from "../../src/backends/debrebuild.js";
import { BACKEND_KINDS, backendKind, createBackend } from "../../src/backends/registry.js";
import { TailsBackend } from "../../src/backends/tails.js";

describe("backend registry", () => {
  it("uses each distribution's own tool when the table names neither kind nor path", () => {
    expect(createBackend("archlinux", {})).toBeInstanceOf(ArchlinuxReproBackend);
    expect(createBackend("debian", { mirror: "https://mirror.example/debian" })).toBeInstanceOf(DebrebuildBackend);
    expect(createBackend("tails", {})).toBeInstanceOf(TailsBackend);
  });

  it("runs a rebuilderd backend script for a table with a path, as rebuilderd-worker.conf has", () => {
    const backend = createBackend("archlinux", { path: "/usr/libexec/rebuilderd/rebuilder-archlinux.sh" });
    expect(backend).toBeInstanceOf(CommandBackend);
    expect(backendKind("alpine", { path: "/usr/local/bin/rebuilder-alpine.sh" })).toBe("command");
  });

  it("builds the kind a table names, with its path as the tool", () => {
    expect(createBackend("archlinux", { kind: "archlinux-repro", path: "/opt/repro/bin/repro" })).toBeInstanceOf(ArchlinuxReproBackend);
    expect(backendKind("debian", { kind: "debian-archive" })).toBe("debian-archive");
    expect(createBackend("my-derivative", { kind: "debrebuild", mirror: "https://mirror.example/debian" }).kind).toBe("debrebuild");
  });

  it("lists the known kinds when a table names an unknown one", () => {
    expect(BACKEND_KINDS).toEqual(["archlinux-repro", "debrebuild", "tails", "command", "debian-archive"]);
    // A TOML table can hold any type; the number stands for that.
    for (const kind of ["mock", "constructor", "__proto__", 3] as string[]) {
      expect(() => createBackend("debian", { kind })).toThrow(
        `[backend."debian"]: unknown kind ${JSON.stringify(kind)}; known kinds: archlinux-repro, debrebuild, tails, command, debian-archive`,
      );
    }
  });

  it("says what to set for a distribution without a built-in backend", () => {
    expect(() => createBackend("fedora", {})).toThrow(/\[backend\."fedora"\]: no built-in backend for this distribution; set `path`/);
  });

  it("names the table and kind of a bad setting", () => {
    expect(() => createBackend("debian", { mirror: ["https://mirror.example/debian"] })).toThrow('[backend."debian"] (debrebuild): mirror must be a non-empty string');
    expect(() => createBackend("alpine", { path: "" })).toThrow('[backend."alpine"] (command): path must be a non-empty string');
  });
});
