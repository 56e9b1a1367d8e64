import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, promises as fs, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCliArgs } from "../../src/emulator/cli";

const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "dist/emulator/cli.js");

/** Newest modification time of the .ts files the built CLI is made from. */
function newestSource(): number {
  let newest = 0;
  for (const dir of ["src/emulator", "src/schemas"]) {
    for (const name of readdirSync(path.join(ROOT, dir))) {
      if (name.endsWith(".ts")) newest = Math.max(newest, statSync(path.join(ROOT, dir, name)).mtimeMs);
    }
  }
  return newest;
}

function isFresh(): boolean {
  try {
    return statSync(CLI).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

/**
 * Builds dist/emulator when it is missing or older than its sources (`npm test` builds
 * first, so then this does nothing). It compiles only the command's import graph, through a
 * throw-away config that extends tsconfig.json: the same options and output paths as
 * `tsc -p tsconfig.json`, without compiling the rest of src/ (which other suites test).
 */
function ensureBuilt(): void {
  if (isFresh()) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), "flashback-cli-build-"));
  try {
    const config = path.join(dir, "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        extends: path.join(ROOT, "tsconfig.json"),
        // Type packages are looked up next to the config, which here is outside the repository.
        compilerOptions: { typeRoots: [path.join(ROOT, "node_modules/@types")] },
        include: [],
        files: [path.join(ROOT, "src/emulator/cli.ts")],
      }),
    );
    const result = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", config], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(isFresh(), `tsc did not produce a fresh ${CLI}`);
}

interface Cli {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Cli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, FLASHBACK_EMULATOR_KEY: "", ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Waits for the "listening on" line and returns the URL in it. */
async function listeningUrl(cli: Cli): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const match = /Flashback emulator listening on (http:\/\/\S+)/.exec(cli.stdout());
    if (match) return match[1];
    if (cli.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no listening line; stdout: ${cli.stdout()} stderr: ${cli.stderr()}`);
}

describe("emulator: flashback-emulator command", function () {
  this.timeout(60_000);
  const running: Cli[] = [];

  before(ensureBuilt);
  afterEach(() => {
    for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
  });

  it("starts with a shebang, prints its URL and token, serves the API, and stops on SIGTERM", async () => {
    assert.equal((await fs.readFile(CLI, "utf8")).split("\n")[0], "#!/usr/bin/env node");
    const cli = run(["--port", "0"]);
    running.push(cli);
    const url = await listeningUrl(cli);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(cli.stdout(), /Accepted bearer token: flashback-emulator-token/);
    const res = await fetch(`${url}/ai/llm`, {
      headers: { authorization: "Bearer flashback-emulator-token" },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { success: true, aiLlms: [] });
    cli.child.kill("SIGTERM");
    assert.deepEqual(await cli.exit, { code: 0, signal: null });
    assert.match(cli.stdout(), /API GET \/ai\/llm 200/);
  });

  it("accepts repeated --token, and exits cleanly on SIGINT", async () => {
    const cli = run(["--port", "0", "--token", "one", "--token", "two"]);
    running.push(cli);
    const url = await listeningUrl(cli);
    assert.match(cli.stdout(), /Accepted bearer tokens: one, two/);
    for (const [token, status] of [
      ["one", 200],
      ["two", 200],
      ["flashback-emulator-token", 401],
    ] as const) {
      const res = await fetch(`${url}/ai/llm`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, status, token);
    }
    cli.child.kill("SIGINT");
    assert.deepEqual(await cli.exit, { code: 0, signal: null });
  });

  it("warns when --data is used without FLASHBACK_EMULATOR_KEY, and not when it is set", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-cli-"));
    try {
      const file = path.join(dir, "data.json");
      const plain = run(["--port", "0", "--data", file]);
      running.push(plain);
      await listeningUrl(plain);
      assert.match(plain.stderr(), /warning: --data is used without FLASHBACK_EMULATOR_KEY/);
      plain.child.kill("SIGTERM");
      await plain.exit;
      const keyed = run(["--port", "0", "--data", file], { FLASHBACK_EMULATOR_KEY: "k" });
      running.push(keyed);
      await listeningUrl(keyed);
      assert.equal(keyed.stderr(), "");
      keyed.child.kill("SIGTERM");
      await keyed.exit;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  for (const args of [
    ["--bogus"],
    ["--port", "abc"],
    ["--port", "70000"],
    ["--rate-limit", "0"],
    ["extra"],
  ]) {
    it(`exits with code 2 and a message for ${args.join(" ")}`, async () => {
      const cli = run(args);
      running.push(cli);
      assert.deepEqual(await cli.exit, { code: 2, signal: null });
      assert.match(cli.stderr(), /^flashback-emulator: .+\n\nUsage: flashback-emulator/);
      assert.equal(cli.stdout(), "");
    });
  }

  it("prints usage for --help and exits 0", async () => {
    const cli = run(["--help"]);
    assert.deepEqual(await cli.exit, { code: 0, signal: null });
    assert.match(cli.stdout(), /^Usage: flashback-emulator/);
  });

  it("parseCliArgs maps flags to options with the CLI defaults", () => {
    assert.deepEqual(parseCliArgs([]), { host: "127.0.0.1", port: 8787 });
    assert.deepEqual(
      parseCliArgs(["--host", "::1", "--port", "0", "--data", "d.json", "--token", "a", "--rate-limit", "5"]),
      { host: "::1", port: 0, dataFile: "d.json", tokens: ["a"], rateLimitPerSecond: 5 },
    );
    assert.equal(parseCliArgs(["--help"]), null);
  });
});
