import assert from "node:assert/strict";
import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FlashbackClient } from "../../src/client";
import {
  AI_LLM_CONFIG_TYPE,
  parseExport,
  resolvePendingCreates,
  settlePendingCreates,
  summarizePending,
  type ExportedStack,
} from "../../src/recover";
import { CliProject, projectPackageJson, requireLanguageHost } from "../helpers/cliProject";
import { EmulatorHandle } from "../helpers/emulator";

/*
 * `flashback-recover` against the real pulumi CLI and the emulator. A CD runner's timeout
 * or cancel kills `pulumi` with SIGKILL: the CLI and every process it started die at a
 * chosen point (preview, creates, updates, destroy), leaving a lock and pending operations
 * in the file backend. The command runs once, then the interrupted command is run again,
 * and Flashback must hold exactly the declared configurations, each once, with the state
 * holding exactly their ids, no pending operation, no lock, and no token or secret in
 * anything written.
 */

const TOKEN = `recover-token-${randomBytes(12).toString("hex")}`;
const SECRET = `sk-recover-${randomBytes(12).toString("hex")}`;
const WORKSPACE = "ws-recover";
const PROJECT = "flashback-recover-test";
const COUNT = 6;
/** How long the emulator holds each faulted write before applying it. */
const DELAY_MS = 4_000;

/** A CommonJS program declaring COUNT configurations in one workspace, so creates run in parallel. */
function program(suffix: string): string {
  return `const pulumi = require("@pulumi/pulumi");
const { AiLlmConfig } = require("pulumi-flashback");

const secret = new pulumi.Config().requireSecret("llmSecret");
for (let i = 0; i < ${COUNT}; i++) {
  new AiLlmConfig(\`llm\${i}\`, {
    name: \`Recover \${i}${suffix}\`,
    aiType: "OPENAI",
    endpoint: "https://api.openai.com/v1",
    secret,
    workspaceId: "${WORKSPACE}",
  });
}
`;
}

function declaredNames(suffix: string): string[] {
  return Array.from({ length: COUNT }, (_, i) => `Recover ${i}${suffix}`).sort();
}

/** The latest checkpoint as the file backend last wrote it; read directly, so no pulumi command (or lock) is needed. */
interface Checkpoint {
  resources: { type: string; id?: string }[];
  pending: { type: string; resource: { type: string } }[];
}

/**
 * Kills a process and everything below it with SIGKILL, group by group. Pulumi starts
 * its plugins (the dynamic provider) in process groups of their own, so killing the
 * CLI's group alone would leave a provider running, still able to call the API; a CD
 * runner's timeout or cancel ends the whole job.
 */
function killTree(root: number): void {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,pgid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number));
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of rows) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  const groups = new Set(rows.filter(([pid]) => tree.has(pid)).map(([, , pgid]) => pgid));
  for (const target of [...[...groups].map((g) => -g), ...tree]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

describe("flashback-recover after a pulumi run killed with SIGKILL (real CLI, emulator)", function () {
  this.timeout(300_000);
  requireLanguageHost();

  let emulator: EmulatorHandle;
  let project: CliProject;
  let recoverCli: string;

  before(async () => {
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: [WORKSPACE] }] });
    project = await CliProject.create({
      files: {
        "Pulumi.yaml": `name: ${PROJECT}\nruntime: nodejs\n`,
        "package.json": projectPackageJson(PROJECT, { main: "index.js" }),
        "index.js": program(""),
      },
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
        llmSecret: { value: SECRET, secret: true },
      },
    });
    recoverCli = path.join(project.dir, "node_modules", "pulumi-flashback", "dist", "recover", "cli.js");
  });

  after(async () => {
    await project?.cleanup();
    await emulator?.close();
  });

  afterEach(async () => {
    await emulator?.clearFaults();
  });

  function checkpoint(): Checkpoint | undefined {
    const file = path.join(project.stateDir, ".pulumi", "stacks", PROJECT, `${project.stackName}.json`);
    if (!existsSync(file)) return undefined;
    try {
      const latest = JSON.parse(readFileSync(file, "utf8")).checkpoint?.latest ?? {};
      return { resources: latest.resources ?? [], pending: latest.pending_operations ?? [] };
    } catch {
      return undefined; // being rewritten
    }
  }

  function pendingOf(cp: Checkpoint | undefined, type: string): number {
    return (cp?.pending ?? []).filter((op) => op.type === type && op.resource.type === AI_LLM_CONFIG_TYPE)
      .length;
  }

  async function live(): Promise<{ id: string; name: string }[]> {
    return (await emulator.state()).aiLlms.filter((c) => c.workspaceId === WORKSPACE);
  }

  async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  /**
   * Starts `pulumi <args>`, waits until `ready` holds, lets in-flight requests reach the
   * emulator, then kills the CLI and every process it started with SIGKILL.
   */
  async function killDuring(
    args: string[],
    ready: () => boolean,
    settleMs = 700,
    onOutput: (text: string) => void = () => undefined,
  ): Promise<void> {
    const child: ChildProcess = project.spawn(args);
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk;
      onOutput(output);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    let exited = false;
    void closed.then(() => (exited = true));
    await waitFor(`the kill point of pulumi ${args[0]}`, () => {
      if (exited) throw new Error(`pulumi ${args.join(" ")} ended before the kill point:\n${output}`);
      return ready();
    });
    await sleep(settleMs);
    assert.ok(!exited, `pulumi ${args.join(" ")} ended before it could be killed:\n${output}`);
    killTree(child.pid as number);
    await closed;
    project.output.push(`$ pulumi ${args.join(" ")} (killed)\n${output}`);
  }

  async function exportState(): Promise<ExportedStack> {
    return parseExport((await project.mustRun(["stack", "export"])).stdout);
  }

  async function runRecover(args: string[] = []): Promise<string> {
    const result = await project.runCommand(process.execPath, [recoverCli, ...args]);
    assert.equal(result.code, 0, `flashback-recover failed:\n${result.text}`);
    return result.stdout;
  }

  /** Flashback holds exactly `names`, each once; the state exactly their ids; nothing pending, no lock, no secret. */
  async function assertConsistent(names: string[]): Promise<void> {
    const configs = await live();
    assert.deepEqual(
      configs.map((c) => c.name).sort(),
      names,
      "Flashback holds exactly the declared configurations",
    );
    const state = await exportState();
    const ids = (state.deployment.resources ?? [])
      .filter((r) => r.type === AI_LLM_CONFIG_TYPE)
      .map((r) => r.id);
    assert.deepEqual(ids.sort(), configs.map((c) => c.id).sort(), "the state holds exactly the live ids");
    assert.deepEqual(state.deployment.pending_operations ?? [], [], "no pending operation is left");
    assert.deepEqual(project.lockFiles(), [], "no lock is left");
    const written = await project.everythingWritten();
    for (const [label, value] of Object.entries({ TOKEN, SECRET })) {
      assert.ok(!written.includes(value), `${label} appears in plain text in state, history or output`);
    }
  }

  /**
   * Kills `up` with two creates done, three held by the emulator (applied after the kill)
   * and one whose connection was dropped before it was applied (the provider is still
   * looking its name up). Returns the export taken after the held creates landed.
   */
  async function killDuringCreates(): Promise<ExportedStack> {
    await emulator.fault({ method: "POST", pathPrefix: "/ai/llm", action: "drop-before", count: 1 });
    await emulator.fault({
      method: "POST",
      pathPrefix: "/ai/llm",
      action: "delay",
      delayMs: DELAY_MS,
      count: 3,
    });
    await killDuring(["up", "--yes"], () => {
      const cp = checkpoint();
      const done = (cp?.resources ?? []).filter((r) => r.type === AI_LLM_CONFIG_TYPE).length;
      return done === 2 && pendingOf(cp, "creating") === COUNT - 2;
    });
    // The server applies the held creates although the client is gone.
    await waitFor("the held creates", async () => (await live()).length === COUNT - 1);
    const state = await exportState();
    const { creates } = summarizePending(state);
    const liveNames = new Set((await live()).map((c) => c.name));
    const landed = creates.filter((c) => liveNames.has(c.name));
    assert.equal(creates.length, COUNT - 2, "four creates are pending in the state");
    assert.ok(
      landed.length >= 1,
      "at least one configuration exists in Flashback while its create is pending",
    );
    assert.equal(landed.length, COUNT - 3, "three pending creates landed, one never did");
    assert.ok(project.lockFiles().length > 0, "the killed up left its lock");
    return state;
  }

  it("killed during creates: landed creates are imported, the lost one cleared; up then creates only that one", async () => {
    await killDuringCreates();

    const printed = await runRecover();
    assert.equal(printed.match(/^imported urn:\S+ as \S+$/gm)?.length, COUNT - 3, printed);
    assert.equal(printed.match(/^cleared urn:\S+: it was never created$/gm)?.length, 1, printed);
    await emulator.clearRequests();
    await project.mustRun(["up", "--yes"]);
    const creates = (await emulator.requests()).filter((r) => r.method === "POST");
    assert.equal(creates.length, 1, "only the create that never landed is sent again");
    await assertConsistent(declaredNames(""));
  });

  it("killed during preview (--refresh, its list held): nothing to repair; flashback-recover is a no-op; up works", async () => {
    await emulator.fault({
      method: "GET",
      pathPrefix: "/ai/llm",
      action: "delay",
      delayMs: DELAY_MS,
      count: 1,
    });
    let shown = "";
    await killDuring(
      ["preview", "--refresh"],
      () => /AiLlmConfig \S+ +refreshing/.test(shown),
      500,
      (text) => {
        shown = text;
      },
    );
    const before = await exportState();
    assert.deepEqual(
      before.deployment.pending_operations ?? [],
      [],
      "a preview records no pending operation",
    );
    assert.deepEqual(project.lockFiles(), [], "the file backend takes no lock for a preview");

    const printed = await runRecover();
    assert.match(printed, /0 pending create\(s\) of AiLlmConfig, 0 other/);
    const up = await project.mustRun(["up", "--yes"]);
    assert.match(up.text, /unchanged/);
    await assertConsistent(declaredNames(""));
  });

  it("killed during updates (renames): the refresh reads the applied names; up then has nothing left to do", async () => {
    await fs.writeFile(path.join(project.dir, "index.js"), program(" v2"));
    await emulator.fault({
      method: "PUT",
      pathPrefix: "/ai/llm/",
      action: "delay",
      delayMs: DELAY_MS,
      count: COUNT,
    });
    await killDuring(["up", "--yes"], () => pendingOf(checkpoint(), "updating") === COUNT);
    // The server applies the held renames although the client is gone.
    await waitFor("the held renames", async () => (await live()).every((c) => c.name.endsWith(" v2")));
    const before = await exportState();
    assert.equal(summarizePending(before).otherOperations, COUNT, "pending updates are in the state");
    const stateNames = (before.deployment.resources ?? []).filter((r) => r.type === AI_LLM_CONFIG_TYPE);
    assert.ok(
      stateNames.every((r) => !String(r.outputs?.name).endsWith(" v2")),
      "the state still has the old names",
    );
    assert.ok(project.lockFiles().length > 0, "the killed up left its lock");

    await runRecover();
    const up = await project.mustRun(["up", "--yes"]);
    assert.doesNotMatch(up.text, /updated/, "the refresh already holds the applied names");
    await assertConsistent(declaredNames(" v2"));
  });

  it("killed during a destroy: the refresh drops what is gone; destroy then finishes", async () => {
    await emulator.fault({
      method: "DELETE",
      pathPrefix: "/ai/llm/",
      action: "delay",
      delayMs: DELAY_MS,
      count: COUNT,
    });
    await killDuring(["destroy", "--yes"], () => pendingOf(checkpoint(), "deleting") === COUNT);
    // The server applies the held deletes although the client is gone.
    await waitFor("the held deletes", async () => (await live()).length === 0);
    const before = await exportState();
    assert.equal(
      (before.deployment.resources ?? []).filter((r) => r.type === AI_LLM_CONFIG_TYPE).length,
      COUNT,
      "the state still lists the deleted configurations",
    );
    assert.equal(summarizePending(before).otherOperations, COUNT, "pending deletes are in the state");
    assert.ok(project.lockFiles().length > 0, "the killed destroy left its lock");

    await runRecover(["--stack", project.stackName, "--cwd", project.dir]);
    await project.mustRun(["destroy", "--yes"]);
    await assertConsistent([]);
  });

  it("without flashback-recover (lock removed by hand), up after a kill during creates fails on the names; with it, up works", async () => {
    await killDuringCreates();
    for (const lock of project.lockFiles()) await fs.rm(lock);

    const rerun = await project.run(["up", "--yes"]);
    assert.notEqual(rerun.code, 0, "up fails without recovery");
    assert.match(rerun.text, /a configuration with that name already exists/);

    const printed = await runRecover();
    assert.match(printed, /^imported urn:\S+ as \S+$/m);
    await project.mustRun(["up", "--yes"]);
    await assertConsistent(declaredNames(" v2"));
  });
});

describe("flashback-recover's decisions on an exported state", () => {
  const emulator = new EmulatorHandle({ tokens: [{ token: TOKEN, workspaces: [WORKSPACE] }] });
  before(() => emulator.start());
  after(() => emulator.close());

  const urn = (name: string) => `urn:pulumi:dev::p::${AI_LLM_CONFIG_TYPE}::${name}`;
  const inputs = (name: string, endpoint = "https://api.openai.com/v1") => ({
    name,
    aiType: "OPENAI",
    endpoint,
    workspaceId: WORKSPACE,
    secret: { ciphertext: "v1:opaque" },
  });

  it("imports a landed create, clears a missing one, one with other settings, and one already in the state", async () => {
    const made = async (name: string, endpoint = "https://api.openai.com/v1") =>
      (await emulator.api("POST", "/ai/llm", { ...inputs(name, endpoint), secret: "sk-x" })).body
        .aiLlmId as string;
    const landed = await made("landed");
    const tracked = await made("tracked");
    await made("other", "https://other.example.com/v1");
    const state = parseExport(
      JSON.stringify({
        version: 3,
        deployment: {
          resources: [{ urn: urn("tracked"), type: AI_LLM_CONFIG_TYPE, custom: true, id: tracked }],
          pending_operations: ["landed", "missing", "other", "tracked"].map((name) => ({
            type: "creating",
            resource: {
              urn: urn(`${name}-pending`),
              type: AI_LLM_CONFIG_TYPE,
              custom: true,
              inputs: inputs(name),
            },
          })),
        },
      }),
    );
    const client = new FlashbackClient({ baseUrl: emulator.url, accessToken: TOKEN });
    try {
      const ids = new Map([[tracked, urn("tracked")]]);
      const resolutions = await resolvePendingCreates(summarizePending(state).creates, ids, (ws) =>
        client.listAiLlms(ws),
      );
      assert.deepEqual(
        resolutions.map((r) => (r.action === "import" ? `import ${r.id}` : `clear ${r.reason}`)),
        [`import ${landed}`, "clear never-created", "clear other-settings", "clear already-tracked"],
      );
      const settled = settlePendingCreates(state, resolutions);
      assert.deepEqual(settled.deployment.pending_operations, []);
      const added = settled.deployment.resources?.find((r) => r.id === landed);
      assert.equal(added?.outputs?.aiLlmId, landed);
      assert.deepEqual(added?.outputs?.secret, { ciphertext: "v1:opaque" }, "the secret stays encrypted");
    } finally {
      await client.close();
    }
  });

  it("a replacement's new configuration is imported, the old one marked for deletion; other creates are set apart", () => {
    const state = parseExport(
      JSON.stringify({
        version: 3,
        deployment: {
          resources: [{ urn: urn("moved"), type: AI_LLM_CONFIG_TYPE, custom: true, id: "old-id" }],
          pending_operations: [
            {
              type: "creating",
              resource: {
                urn: urn("moved"),
                type: AI_LLM_CONFIG_TYPE,
                inputs: inputs("moved"),
                provider: "urn:pulumi:dev::p::pulumi:providers:pulumi-nodejs::default_3_248_0::9a1e",
              },
            },
            {
              type: "creating",
              resource: { urn: "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b", type: "aws:s3/bucket:Bucket" },
            },
            { type: "updating", resource: { urn: urn("x"), type: AI_LLM_CONFIG_TYPE } },
            {
              type: "creating",
              resource: {
                urn: urn("explicit"),
                type: AI_LLM_CONFIG_TYPE,
                inputs: inputs("explicit"),
                provider: "urn:pulumi:dev::p::pulumi:providers:pulumi-nodejs::accountB::0f6c",
              },
            },
          ],
        },
      }),
    );
    const settled = settlePendingCreates(state, [{ action: "import", urn: urn("moved"), id: "new-id" }]);
    const moved = (settled.deployment.resources ?? []).filter((r) => r.urn === urn("moved"));
    assert.deepEqual(
      moved.map((r) => [r.id, r.delete ?? false]),
      [
        ["old-id", true],
        ["new-id", false],
      ],
    );
    assert.equal(settled.deployment.pending_operations?.length, 3, "other pending operations are kept");
    const summary = summarizePending(state);
    assert.deepEqual(summary.otherCreates, ["urn:pulumi:dev::p::aws:s3/bucket:Bucket::b"]);
    assert.equal(summary.otherOperations, 1);
    assert.deepEqual(
      summary.unreadable.map((u) => u.urn),
      [urn("explicit")],
      "a create through an explicit provider (maybe another account) is not matched with the stack's credentials",
    );
    assert.deepEqual(
      summary.creates.map((c) => c.urn),
      [urn("moved")],
    );
  });
});
