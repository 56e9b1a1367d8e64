import assert from "node:assert/strict";
import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FlashbackClient } from "../../src/client";
import {
  AI_LLM_CONFIG_TYPE,
  describeResolution,
  parseExport,
  PROVIDER_API_KEY_TYPE,
  PulumiCli,
  recover,
  RecoverError,
  resolvePendingCreates,
  settlePendingCreates,
  summarizePending,
  trackedIds,
  type ExportedStack,
  type PendingKind,
  type PulumiResult,
  type Resolution,
} from "../../src/recover";
import { CliProject, projectPackageJson, requireLanguageHost } from "../../support/cliProject";
import { EmulatorHandle } from "../../support/emulator";

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
/** A second workspace, to see that each workspace's list is read once and only for its own creates. */
const OTHER_WORKSPACE = "ws-recover-other";
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

/** The stored key's access key and secret: neither may appear in plain text anywhere. */
const KEY_ACCESS = `org-recover-${randomBytes(8).toString("hex")}`;
const KEY_SECRET = `sk-recover-key-${randomBytes(12).toString("hex")}`;
const KEY_DESCRIPTION = "Recover key";
const KEYED_COUNT = 3;

/** A CommonJS program declaring one stored key and KEYED_COUNT configurations that use it. */
function keyedProgram(): string {
  return `const pulumi = require("@pulumi/pulumi");
const { AiLlmConfig, ProviderApiKey } = require("pulumi-flashback");

const config = new pulumi.Config();
const key = new ProviderApiKey("key", {
  provider: "OPENAI",
  key: config.requireSecret("keyAccess"),
  secret: config.requireSecret("keySecret"),
  description: "${KEY_DESCRIPTION}",
  workspaceId: "${WORKSPACE}",
});
for (let i = 0; i < ${KEYED_COUNT}; i++) {
  new AiLlmConfig(\`keyed\${i}\`, {
    name: \`Keyed \${i}\`,
    aiType: "OPENAI",
    endpoint: "https://api.openai.com/v1",
    apiKeyId: key.id,
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
        keyAccess: { value: KEY_ACCESS, secret: true },
        keySecret: { value: KEY_SECRET, secret: true },
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

  function pendingOf(cp: Checkpoint | undefined, type: string, resourceType = AI_LLM_CONFIG_TYPE): number {
    return (cp?.pending ?? []).filter((op) => op.type === type && op.resource.type === resourceType).length;
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
    ready: () => boolean | Promise<boolean>,
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
    for (const [label, value] of Object.entries({ TOKEN, SECRET, KEY_ACCESS, KEY_SECRET })) {
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
    const landed = creates.filter((c) => c.kind === "AiLlmConfig" && liveNames.has(c.name));
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
    assert.match(printed, /0 pending create\(s\) of AiLlmConfig, 0 of ProviderApiKey, 0 other/);
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

  it("killed while a stored key's create is in flight: the key is imported, and up creates its configurations once, with no second key", async () => {
    // Whatever earlier tests left deployed is deleted by the up below, after its creates.
    await fs.writeFile(path.join(project.dir, "index.js"), keyedProgram());
    const keysBefore = (await emulator.apiKeys()).filter((k) => k.workspaceId === WORKSPACE);
    assert.deepEqual(keysBefore, [], "no stored key exists before the run");
    await emulator.fault({
      method: "POST",
      pathPrefix: "/apikeys",
      action: "delay",
      delayMs: DELAY_MS,
      count: 1,
    });
    // Killed once the key's create is pending in the state and held by the emulator
    // (its fault taken), so the configurations, which wait for the key's id, never start.
    await killDuring(
      ["up", "--yes"],
      async () =>
        pendingOf(checkpoint(), "creating", PROVIDER_API_KEY_TYPE) === 1 &&
        !(await emulator.faults()).some((f) => f.pathPrefix === "/apikeys"),
      300,
    );
    // The server applies the held create although the client is gone.
    const heldKey = async () => (await emulator.apiKeys()).find((k) => k.description === KEY_DESCRIPTION);
    await waitFor("the held key create", async () => (await heldKey()) !== undefined);
    const key = (await heldKey())!;
    const before = await exportState();
    const pending = summarizePending(before);
    assert.deepEqual(
      pending.creates.map((c) => c.kind === "ProviderApiKey" && [c.urn.split("::").pop(), c.description]),
      [["key", KEY_DESCRIPTION]],
      "the key's create, and only it, is pending",
    );
    assert.ok(
      !(before.deployment.resources ?? []).some((r) => r.type === PROVIDER_API_KEY_TYPE),
      "the state does not hold the key that exists in Flashback",
    );
    assert.ok(
      !(await live()).some((c) => c.name.startsWith("Keyed")),
      "no configuration that uses the key was created",
    );
    assert.ok(project.lockFiles().length > 0, "the killed up left its lock");

    const printed = await runRecover();
    assert.match(printed, /0 pending create\(s\) of AiLlmConfig, 1 of ProviderApiKey, 0 other/);
    assert.equal(
      printed.match(/^imported urn:\S+ as \S+$/gm)?.join("\n"),
      `imported ${pending.creates[0].urn} as ${key.id}`,
      "the key's pending create is imported as the key Flashback holds",
    );
    const recovered = (await exportState()).deployment.resources?.filter(
      (r) => r.type === PROVIDER_API_KEY_TYPE,
    );
    assert.deepEqual(
      recovered?.map((r) => [r.id, r.outputs?.apiKeyId]),
      [[key.id, key.id]],
      "after flashback-recover the state holds the key, refreshed",
    );

    await emulator.clearRequests();
    await project.mustRun(["up", "--yes"]);
    const writes = (await emulator.requests()).filter((r) => r.method === "POST" || r.method === "PUT");
    assert.deepEqual(
      writes.map((r) => `${r.method} ${r.path}`),
      Array.from({ length: KEYED_COUNT }, () => "POST /ai/llm"),
      "up creates only the configurations: the key is neither created again nor changed",
    );

    const keys = (await emulator.apiKeys()).filter((k) => k.workspaceId === WORKSPACE);
    assert.deepEqual(
      keys.map((k) => [k.id, k.description]),
      [[key.id, KEY_DESCRIPTION]],
      "Flashback holds exactly one stored key",
    );
    const configs = (await emulator.state()).aiLlms.filter((c) => c.workspaceId === WORKSPACE);
    assert.deepEqual(
      configs.map((c) => [c.name, c.apiKeyId]).sort(),
      Array.from({ length: KEYED_COUNT }, (_, i) => [`Keyed ${i}`, key.id]),
      "each configuration exists once and uses the one key",
    );
    assert.deepEqual(keys[0].aiLlmIds.sort(), configs.map((c) => c.id).sort());
    const state = await exportState();
    assert.deepEqual(
      (state.deployment.resources ?? []).filter((r) => r.type === PROVIDER_API_KEY_TYPE).map((r) => r.id),
      [key.id],
      "the state holds the one key",
    );
    await assertConsistent(Array.from({ length: KEYED_COUNT }, (_, i) => `Keyed ${i}`));
  });
});

describe("flashback-recover's decisions on an exported state", () => {
  const emulator = new EmulatorHandle({
    tokens: [{ token: TOKEN, workspaces: [WORKSPACE, OTHER_WORKSPACE] }],
  });
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
      const ids = { AiLlmConfig: new Map([[tracked, urn("tracked")]]), ProviderApiKey: new Map() };
      const resolutions = await resolvePendingCreates(summarizePending(state).creates, ids, {
        AiLlmConfig: (ws) => client.listAiLlms(ws),
        ProviderApiKey: () => Promise.reject(new Error("no stored key's create is pending")),
      });
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
    const settled = settlePendingCreates(state, [
      { action: "import", kind: "AiLlmConfig", urn: urn("moved"), id: "new-id" },
    ]);
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
  const keyUrn = (name: string) => `urn:pulumi:dev::p::${PROVIDER_API_KEY_TYPE}::${name}`;
  /** A stored key's inputs as an export shows them: key and secret encrypted, the rest plain. */
  const keyInputs = (description: string, provider = "OPENAI", workspaceId = WORKSPACE) => ({
    provider,
    description,
    workspaceId,
    key: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:key" },
    secret: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:sec" },
  });
  const keyCreate = (name: string, inputs: Record<string, unknown>, provider?: string) => ({
    type: "creating",
    resource: { urn: keyUrn(name), type: PROVIDER_API_KEY_TYPE, custom: true, inputs, provider },
  });
  const exported = (resources: unknown[], pending: unknown[]) =>
    parseExport(JSON.stringify({ version: 3, deployment: { resources, pending_operations: pending } }));
  const short = (r: Resolution) =>
    r.action === "import" ? `${r.kind} import ${r.id}` : `${r.kind} clear ${r.reason}`;

  it("stored keys: imports a landed create, clears a missing one, one with another provider, one already in the state; each workspace's keys listed once", async () => {
    const stored = async (description: string, provider = "OPENAI", workspaceId = WORKSPACE) => {
      const answer = await emulator.api("POST", "/apikeys", {
        key: "org-x",
        secret: "sk-x",
        provider,
        workspaceId,
        description,
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.apiKeyId as string;
    };
    const landed = await stored("key landed");
    const tracked = await stored("key tracked");
    await stored("key other", "ANTHROPIC");
    const elsewhere = await stored("key elsewhere", "OPENAI", OTHER_WORKSPACE);
    // A configuration named like a pending key's description: a record of the other kind, never a match.
    const config = (await emulator.api("POST", "/ai/llm", { ...inputs("key as config"), secret: "sk-x" }))
      .body.aiLlmId as string;
    const state = exported(
      [{ urn: keyUrn("tracked"), type: PROVIDER_API_KEY_TYPE, custom: true, id: tracked }],
      [
        keyCreate("landed", keyInputs("key landed")),
        keyCreate("missing", keyInputs("key missing")),
        keyCreate("other", keyInputs("key other")),
        keyCreate("tracked-pending", keyInputs("key tracked")),
        keyCreate("elsewhere", keyInputs("key elsewhere", "OPENAI", OTHER_WORKSPACE)),
        keyCreate("config-named", keyInputs("key as config")),
        {
          type: "creating",
          resource: {
            urn: urn("config"),
            type: AI_LLM_CONFIG_TYPE,
            custom: true,
            inputs: inputs("key as config"),
          },
        },
      ],
    );
    const client = new FlashbackClient({ baseUrl: emulator.url, accessToken: TOKEN });
    const listed: string[] = [];
    try {
      const resolutions = await resolvePendingCreates(summarizePending(state).creates, trackedIds(state), {
        AiLlmConfig: (ws) => {
          listed.push(`AiLlmConfig ${ws}`);
          return client.listAiLlms(ws);
        },
        ProviderApiKey: (ws) => {
          listed.push(`ProviderApiKey ${ws}`);
          return client.listApiKeys({ workspaceId: ws });
        },
      });
      assert.deepEqual(resolutions.map(short), [
        `ProviderApiKey import ${landed}`,
        "ProviderApiKey clear never-created",
        "ProviderApiKey clear other-settings",
        "ProviderApiKey clear already-tracked",
        `ProviderApiKey import ${elsewhere}`,
        "ProviderApiKey clear never-created",
        `AiLlmConfig import ${config}`,
      ]);
      assert.deepEqual(
        listed,
        [`ProviderApiKey ${WORKSPACE}`, `ProviderApiKey ${OTHER_WORKSPACE}`, `AiLlmConfig ${WORKSPACE}`],
        "each workspace's keys and configurations are listed once, and only where a create of that kind is pending",
      );

      const settled = settlePendingCreates(state, resolutions);
      assert.deepEqual(settled.deployment.pending_operations, []);
      const key = settled.deployment.resources?.find((r) => r.id === landed);
      assert.equal(key?.type, PROVIDER_API_KEY_TYPE);
      assert.equal(key?.outputs?.apiKeyId, landed, "an imported key's outputs carry its id as a create's do");
      assert.equal(key?.outputs?.aiLlmId, undefined);
      assert.deepEqual(key?.outputs?.secret, keyInputs("").secret, "the secret stays encrypted");
      assert.deepEqual(key?.outputs?.key, keyInputs("").key, "the access key stays encrypted");
      const imported = settled.deployment.resources?.find((r) => r.id === config);
      assert.equal(imported?.outputs?.aiLlmId, config);
      assert.equal(imported?.outputs?.apiKeyId, undefined);
    } finally {
      await client.close();
    }
  });

  it("stored keys: ids are compared with ids of their own kind; a listed key of another workspace or another pending create is not claimed twice", async () => {
    const live = [
      { id: "shared-id", provider: "OPENAI", description: "k", workspaceId: WORKSPACE },
      // Listed although another workspace's (a server that ignored the filter): never ours.
      { id: "foreign-id", provider: "OPENAI", description: "k2", workspaceId: "ws-foreign" },
      // No workspaceId listed: the list was asked for the create's workspace, so it is.
      { id: "bare-id", provider: "OPENAI", description: "k3" },
    ];
    const state = exported(
      [{ urn: urn("config"), type: AI_LLM_CONFIG_TYPE, custom: true, id: "shared-id" }],
      [
        keyCreate("a", keyInputs("k")),
        keyCreate("b", keyInputs("k")),
        keyCreate("c", keyInputs("k2")),
        keyCreate("d", keyInputs("k3")),
      ],
    );
    const resolutions = await resolvePendingCreates(summarizePending(state).creates, trackedIds(state), {
      AiLlmConfig: () => Promise.reject(new Error("no configuration's create is pending")),
      ProviderApiKey: async () => live,
    });
    assert.deepEqual(resolutions.map(short), [
      "ProviderApiKey import shared-id",
      "ProviderApiKey clear already-tracked",
      "ProviderApiKey clear never-created",
      "ProviderApiKey import bare-id",
    ]);
  });

  it("stored keys: summarized by description, provider and workspace; explicit-provider and unreadable-input refusals as for configurations", () => {
    const state = exported(
      [
        { urn: keyUrn("kept"), type: PROVIDER_API_KEY_TYPE, custom: true, id: "kept-id" },
        { urn: keyUrn("old"), type: PROVIDER_API_KEY_TYPE, custom: true, id: "old-id", delete: true },
        { urn: urn("config"), type: AI_LLM_CONFIG_TYPE, custom: true, id: "config-id" },
      ],
      [
        keyCreate(
          "plain",
          keyInputs("Plain key"),
          "urn:pulumi:dev::p::pulumi:providers:pulumi-nodejs::default_3_248_0::9a1e",
        ),
        keyCreate("secret-description", {
          ...keyInputs(""),
          description: {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            ciphertext: "v1:d",
          },
        }),
        keyCreate("no-provider", { ...keyInputs("No provider"), provider: undefined }),
        keyCreate(
          "explicit",
          keyInputs("Explicit"),
          "urn:pulumi:dev::p::pulumi:providers:pulumi-nodejs::accountB::0f6c",
        ),
        { type: "updating", resource: { urn: keyUrn("kept"), type: PROVIDER_API_KEY_TYPE } },
      ],
    );
    const summary = summarizePending(state);
    assert.deepEqual(summary.creates, [
      {
        kind: "ProviderApiKey",
        urn: keyUrn("plain"),
        description: "Plain key",
        workspaceId: WORKSPACE,
        provider: "OPENAI",
      },
    ]);
    assert.deepEqual(summary.unreadable, [
      { urn: keyUrn("secret-description"), reason: "its description is not plain text in the state" },
      { urn: keyUrn("no-provider"), reason: "its provider is not plain text in the state" },
      {
        urn: keyUrn("explicit"),
        reason: "it uses an explicit provider, whose Flashback account this tool cannot read",
      },
    ]);
    assert.deepEqual(summary.otherCreates, [], "a stored key is not a resource of another type");
    assert.equal(summary.otherOperations, 1);
    const tracked = trackedIds(state);
    assert.deepEqual(
      [...tracked.ProviderApiKey],
      [["kept-id", keyUrn("kept")]],
      "one marked for deletion is not tracked",
    );
    assert.deepEqual([...tracked.AiLlmConfig], [["config-id", urn("config")]]);
  });

  it("the lines printed for stored keys say 'stored provider key' and 'description' where a configuration's say 'configuration' and 'name'", () => {
    const lines = (kind: PendingKind) =>
      (["never-created", "already-tracked", "other-settings"] as const).map((reason) =>
        describeResolution({ action: "clear", kind, urn: "urn:x", reason, id: "id-1" }),
      );
    assert.deepEqual(lines("ProviderApiKey"), [
      "cleared urn:x: it was never created",
      "cleared urn:x: the stored provider key it created (id-1) is already in the state",
      "cleared urn:x: a stored provider key with its description exists with another provider (id-1), so it is " +
        "not the one this create made; the next pulumi up reports the description conflict",
    ]);
    assert.deepEqual(lines("AiLlmConfig"), [
      "cleared urn:x: it was never created",
      "cleared urn:x: the configuration it created (id-1) is already in the state",
      "cleared urn:x: a configuration with its name exists with another type or endpoint (id-1), so it is " +
        "not the one this create made; the next pulumi up reports the name conflict",
    ]);
    assert.equal(
      describeResolution({ action: "import", kind: "ProviderApiKey", urn: "urn:x", id: "id-1" }),
      "imported urn:x as id-1",
    );
  });

  it("recover() refuses a stored key's create through an explicit provider, and names both settled types for other creates, changing nothing but the lock", async () => {
    const state = exported(
      [],
      [
        keyCreate(
          "explicit",
          keyInputs("Explicit"),
          "urn:pulumi:dev::p::pulumi:providers:pulumi-nodejs::accountB::0f6c",
        ),
        {
          type: "creating",
          resource: { urn: "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b", type: "aws:s3/bucket:Bucket" },
        },
      ],
    );
    const ran: string[] = [];
    class FakePulumi extends PulumiCli {
      override async run(args: readonly string[]): Promise<PulumiResult> {
        ran.push(args.slice(0, 2).join(" "));
        return { code: 0, stdout: args[0] === "stack" ? JSON.stringify(state) : "", stderr: "" };
      }
    }
    await assert.rejects(
      recover({
        args: { stack: undefined, cwd: "." },
        pulumi: new FakePulumi(".", undefined),
        clientFactory: () => assert.fail("no client is built when a pending create cannot be settled"),
        print: () => undefined,
      }),
      (error: Error) => {
        assert.ok(error instanceof RecoverError);
        assert.match(
          error.message,
          new RegExp(
            `${keyUrn("explicit").replace(/[$.*+?()[\]{}|^\\/]/g, "\\$&")}: it uses an explicit provider`,
          ),
        );
        assert.match(
          error.message,
          /Bucket::b: not an AiLlmConfig or a ProviderApiKey, so this tool cannot tell/,
        );
        assert.match(error.message, /choose skip for the AiLlmConfig and ProviderApiKey ones/);
        return true;
      },
    );
    assert.deepEqual(ran, ["cancel --yes", "stack export"], "nothing but the lock was changed");
  });
});
