import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultEngineConfig, defaultSlotCount, loadEngineConfig, parseEngineConfig } from "../../src/engine/config.js";

/** Holds byte-exact copies of upstream's example rebuilderd.conf and rebuilderd-worker.conf. */
const fixtures = new URL("../fixtures/config/", import.meta.url).pathname;
const fixture = join(fixtures, "rebuilder.conf");
const parse = (text: string) => parseEngineConfig(text, "rebuilder.conf");

describe("engine configuration", () => {
  it("defaults to rebuilderd's values, with diffoscope on", () => {
    const { config, warnings } = parse("");
    expect(warnings).toEqual([]);
    expect(config).toEqual(defaultEngineConfig());
    expect(config.http).toEqual({ bind_addr: "127.0.0.1:8484", post_body_size_limit: 1073741824, transparently_sign_attestations: true, endpoint: "http://127.0.0.1:8484" });
    expect(config.schedule).toEqual({ initial_delay: 0, ping_deadline: 540, bad: { retry_delay_base: 24 }, fail: { retry_delay_base: 24 } });
    expect(config.build).toEqual({ timeout: 86400, silent: false });
    expect(config.diffoscope).toEqual({ enabled: true, args: [], timeout: 3600 });
    expect(config.worker).toEqual({ authorized_workers: [] });
    expect(config.idle_delay).toBe(180);
    expect(config.endpoint).toBeUndefined();
  });

  it("sizes slots by cores and by 4 GiB of memory each", () => {
    const slots = defaultSlotCount();
    expect(slots).toBeGreaterThanOrEqual(1);
    expect(slots).toBeLessThanOrEqual(availableParallelism());
  });

  it("loads upstream's rebuilderd.conf unchanged", () => {
    const { config, warnings } = loadEngineConfig(join(fixtures, "rebuilderd.conf"));
    expect(warnings).toEqual([]);
    expect(config).toEqual(defaultEngineConfig());
  });

  it("loads upstream's rebuilderd-worker.conf unchanged", () => {
    const { config, warnings } = loadEngineConfig(join(fixtures, "rebuilderd-worker.conf"));
    expect(warnings).toEqual([]);
    expect(config.endpoint).toBe("http://127.0.0.1:8484");
    expect(config.build).toEqual({ timeout: 86400, max_bytes: 10485760, silent: false });
    expect(config.diffoscope).toEqual({ enabled: false, args: [], timeout: 3600, max_bytes: 41943040 });
    expect(config.backends).toEqual({
      archlinux: { path: "/usr/libexec/rebuilderd/rebuilder-archlinux.sh" },
      debian: { path: "/usr/libexec/rebuilderd/rebuilder-debian.sh" },
      tails: { path: "/usr/libexec/rebuilderd/rebuilder-tails.sh" },
    });
  });

  it("reads every key, with [schedule.bad] and [schedule.fail] overriding [schedule]", () => {
    const { config, warnings } = parseEngineConfig(readFileSync(fixture, "utf8"), fixture);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      http: { bind_addr: "0.0.0.0:9000", real_ip_header: "X-Real-IP", post_body_size_limit: 2048, transparently_sign_attestations: false, endpoint: "http://127.0.0.1:9000" },
      auth: { cookie: "admin-cookie" },
      endpoints: { "https://rebuilder.example.test": { cookie: "remote-cookie" } },
      worker: { authorized_workers: ["key1", "key2"], signup_secret: "server-secret" },
      schedule: { initial_delay: 600, ping_deadline: 1800, bad: { retry_delay_base: 168, max_retries: 1 }, fail: { retry_delay_base: 2, max_retries: 5 } },
      build: { timeout: 7200, max_bytes: 10485760, silent: true, max_download_bytes: 1073741824 },
      diffoscope: { enabled: false, args: ["--max-container-depth", "2"], timeout: 600, max_bytes: 41943040 },
      backends: {
        debian: { path: "/usr/libexec/rebuilderd/rebuilder-debian.sh" },
        tails: { kind: "tails", repository: "https://git.example.test/tails.git", signing_key: "/etc/rebuilder/tails-signing.key" },
      },
      slots: { count: 3 },
      endpoint: "https://rebuilder.example.test",
      signup_secret: "worker-secret",
      supported_architectures: ["x86_64", "all"],
      idle_delay: 30,
    });
  });

  it("warns about unknown keys, naming the file and the key, and ignores them", () => {
    const { config, warnings } = parse(
      ['colour = "blue"', "[http]", "foo = 1", "[schedule.bad]", "retries = 3", '[backend."debian"]', 'script = "x"', "[sync]", "x = 1", '[http."\\u001b[2J"]'].join("\n"),
    );
    expect(warnings).toEqual([
      "rebuilder.conf: unknown key colour, ignored",
      "rebuilder.conf: unknown key [http] foo, ignored",
      'rebuilder.conf: unknown key [http] "\\u001b[2J", ignored',
      "rebuilder.conf: unknown key [schedule.bad] retries, ignored",
      "rebuilder.conf: unknown key [sync] x, ignored",
      'rebuilder.conf: unknown key [backend."debian"] script, ignored',
    ]);
    expect(config.backends).toEqual({ debian: {} });
    expect(config.schedule.bad).toEqual({ retry_delay_base: 24 });
  });

  it("refuses a wrong type, naming the file, the key and the expected type", () => {
    const cases: [string, string][] = [
      ['[schedule]\nmax_retries = "3"', 'rebuilder.conf: [schedule] max_retries must be a non-negative integer, got the string "3"'],
      ["[schedule]\nretry_delay_base = 1.5", "rebuilder.conf: [schedule] retry_delay_base must be a non-negative integer, got the number 1.5"],
      ["[schedule.fail]\nmax_retries = -1", "rebuilder.conf: [schedule.fail] max_retries must be a non-negative integer, got the integer -1"],
      ["[schedule]\nping_deadline = 0", "rebuilder.conf: [schedule] ping_deadline must be an integer of at least 1, got the integer 0"],
      ["[slots]\ncount = 0", "rebuilder.conf: [slots] count must be an integer of at least 1"],
      ['[diffoscope]\nenabled = "yes"', "rebuilder.conf: [diffoscope] enabled must be a boolean (true or false)"],
      ['[diffoscope]\nargs = "--fuzzy-threshold 0"', "rebuilder.conf: [diffoscope] args must be an array of strings"],
      ['[worker]\nauthorized_workers = ["a", 1]', "rebuilder.conf: [worker] authorized_workers must be an array of strings, got an array"],
      ["[http]\nbind_addr = 8484", "rebuilder.conf: [http] bind_addr must be a string, got the integer 8484"],
      ["http = 3", "rebuilder.conf: http must be a table, got the integer 3"],
      ["schedule = { bad = 2 }", "rebuilder.conf: [schedule] bad must be a table, got the integer 2"],
      ['[backend]\ndebian = "/usr/bin/x"', 'rebuilder.conf: [backend."debian"] must be a table, got the string "/usr/bin/x"'],
      ["[build]\ntimeout = 9007199254740993", "rebuilder.conf: [build] timeout must be an integer of at least 1"],
    ];
    for (const [text, message] of cases) expect(() => parse(text), text).toThrow(message);
  });

  it("reports invalid TOML with the file and the line", () => {
    expect(() => parse("[http]\nbind_addr = \n")).toThrow(/^rebuilder\.conf: invalid TOML at line 2, column \d+: /);
  });
});

describe("loading the configuration file", () => {
  const savedXdg = process.env.XDG_CONFIG_HOME;
  afterEach(() => {
    if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = savedXdg;
  });

  it("uses all defaults when the default file does not exist", () => {
    process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), "rebuilder-xdg-"));
    expect(loadEngineConfig(undefined)).toEqual({ config: defaultEngineConfig(), warnings: [], path: null });
  });

  it("reads the default file when it exists", () => {
    const xdg = mkdtempSync(join(tmpdir(), "rebuilder-xdg-"));
    process.env.XDG_CONFIG_HOME = xdg;
    mkdirSync(join(xdg, "rebuilder"));
    writeFileSync(join(xdg, "rebuilder", "rebuilder.conf"), "[slots]\ncount = 2\n[http]\nfoo = 1\n");
    const { config, warnings, path } = loadEngineConfig(undefined);
    expect(path).toBe(join(xdg, "rebuilder", "rebuilder.conf"));
    expect(config.slots.count).toBe(2);
    expect(warnings).toEqual([`${path}: unknown key [http] foo, ignored`]);
  });

  it("refuses an explicitly given file that does not exist, or is not a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "rebuilder-conf-"));
    expect(() => loadEngineConfig(join(dir, "missing.conf"))).toThrow(`config file ${join(dir, "missing.conf")} does not exist`);
    expect(() => loadEngineConfig(dir)).toThrow(`cannot read config file ${dir}`);
  });

  it("takes relative file paths of backend tables from the config file's folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "rebuilder-conf-"));
    writeFileSync(
      join(dir, "rebuilder.conf"),
      '[backend."archlinux"]\npath = "scripts/rebuild.sh"\n[backend."debian"]\npath = "debrebuild"\nkeyring = "keys/debian.gpg"\n[backend."tails"]\nsigning_key = "/abs/tails.key"\n',
    );
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const { config, path } = loadEngineConfig(join(relative(tmpdir(), dir), "rebuilder.conf"));
      expect(path).toBe(join(dir, "rebuilder.conf"));
      expect(config.backends.archlinux!.path).toBe(join(dir, "scripts", "rebuild.sh"));
      // A bare name is a program looked up in PATH, as in a shell.
      expect(config.backends.debian).toEqual({ path: "debrebuild", keyring: join(dir, "keys", "debian.gpg") });
      expect(config.backends.tails!.signing_key).toBe("/abs/tails.key");
    } finally {
      process.chdir(cwd);
    }
  });

  it("refuses a file that is not UTF-8", () => {
    const file = join(mkdtempSync(join(tmpdir(), "rebuilder-conf-")), "latin1.conf");
    writeFileSync(file, Buffer.from([0x5b, 0x61, 0x75, 0x74, 0x68, 0x5d, 0x0a, 0x63, 0x6f, 0x6f, 0x6b, 0x69, 0x65, 0x20, 0x3d, 0x20, 0x22, 0xe9, 0x22, 0x0a]));
    expect(() => loadEngineConfig(file)).toThrow(`${file}: not valid UTF-8`);
  });
});
