import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  CliProject,
  packedPackage,
  projectPackageJson,
  requireLanguageHost,
  type CommandResult,
  type ExportedResource,
} from "../../support/cliProject";
import { EmulatorHandle } from "../../support/emulator";
import { REPO_ROOT } from "../../support/engine";

/*
 * Upgrading the package under a deployed stack replaces nothing. A stack is deployed with
 * the package as released at commit 57a72f3 (its `npm pack`, kept in test/fixtures so a
 * shallow clone has it), then the project's dependency is switched to the package as it is
 * now and reinstalled with npm, the way a user upgrades. preview and refresh must show no
 * change, up must send no write to the API, and the `__provider` the upgraded up records
 * must still carry no token or secret.
 */

const BASELINE_COMMIT = "57a72f3";
const BASELINE_TARBALL = path.join(REPO_ROOT, "test", "fixtures", `pulumi-flashback-${BASELINE_COMMIT}.tgz`);

const TOKEN = `upgrade-token-${randomBytes(12).toString("hex")}`;
const OPENAI_SECRET = `sk-upgrade-${randomBytes(12).toString("hex")}`;
const ANTHROPIC_SECRET = `sk-ant-upgrade-${randomBytes(12).toString("hex")}`;
const BEDROCK_SECRET = `aws-secret-upgrade-${randomBytes(12).toString("hex")}`;
const BEDROCK_KEY = `AKIAUPGRADE${randomBytes(8).toString("hex").toUpperCase()}`;
const SECRETS = { TOKEN, OPENAI_SECRET, ANTHROPIC_SECRET, BEDROCK_SECRET, BEDROCK_KEY };

const NAME = "flashback-upgrade";

/** Three configurations with secrets (one with a key, one validated with "warn"), CommonJS. */
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
const bedrock = new AiLlmConfig("bedrock", {
  name: "Bedrock",
  aiType: "AWS",
  endpoint: "https://bedrock-runtime.us-east-1.amazonaws.com",
  secret: config.requireSecret("bedrockSecret"),
  key: config.requireSecret("bedrockKey"),
  workspaceId,
});
exports.openaiId = openai.aiLlmId;
exports.claudeId = claude.aiLlmId;
exports.bedrockId = bedrock.aiLlmId;
exports.openaiValidated = openai.validated;
`;

/** The package.json of the project, depending on the baseline tarball or on the package as it is now. */
function manifest(pulumiFlashback: "baseline" | "current"): string {
  const override: Record<string, string> =
    pulumiFlashback === "baseline" ? { "pulumi-flashback": `file:${BASELINE_TARBALL}` } : {};
  return projectPackageJson(NAME, { main: "index.js" }, override);
}

/**
 * The lines of every "Resources:" summary a command prints (a preview, and for refresh and
 * up also the run itself), e.g. `["4 unchanged", "4 unchanged"]` or `["~ 1 to update", "3 unchanged"]`.
 */
function resourceSummaries(result: CommandResult): string[] {
  const summary: string[] = [];
  let inSummary = false;
  for (const line of result.stdout.split("\n")) {
    if (line.trim() === "Resources:") inSummary = true;
    else if (line.trim() === "" || !/^\s/.test(line)) inSummary = false;
    else if (inSummary) summary.push(line.trim());
  }
  assert.ok(summary.length > 0, `no "Resources:" summary in:\n${result.text}`);
  return summary;
}

/** Asserts every summary says only "N unchanged": nothing created, updated, replaced or deleted. */
function assertNothingChanged(step: string, result: CommandResult): void {
  assert.equal(result.code, 0, `${step} exited with ${result.code}:\n${result.text}`);
  const summary = resourceSummaries(result);
  assert.ok(
    summary.every((line) => /^\d+ unchanged$/.test(line)),
    `${step} after the upgrade changed something (${summary.join(", ")}):\n${result.text}`,
  );
  assert.doesNotMatch(
    result.stdout,
    /\b(replaced?|to update|updated|to create|created|to delete|deleted)\b/i,
    result.text,
  );
}

/** The tarball npm installed `pulumi-flashback` from (npm records it relative to the project). */
function installedTarball(project: CliProject): string {
  const lock = JSON.parse(readFileSync(path.join(project.dir, "node_modules", ".package-lock.json"), "utf8"));
  const resolved: string = lock.packages["node_modules/pulumi-flashback"].resolved;
  return path.resolve(project.dir, resolved.replace(/^file:/, ""));
}

function byUrn(resources: ExportedResource[]): Map<string, ExportedResource> {
  return new Map(resources.map((r) => [r.urn, r]));
}

describe(`upgrading pulumi-flashback from ${BASELINE_COMMIT} to the current package (pulumi CLI)`, function () {
  this.timeout(600_000);
  requireLanguageHost();

  let emulator: EmulatorHandle;
  let project: CliProject;
  let deployed: ExportedResource[] = [];

  before(async () => {
    assert.ok(
      existsSync(BASELINE_TARBALL),
      `missing fixture ${BASELINE_TARBALL}; see test/fixtures/README.md`,
    );
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: ["ws-upgrade"] }] });
    project = await CliProject.create({
      files: {
        "Pulumi.yaml": `name: ${NAME}\nruntime: nodejs\n`,
        "package.json": manifest("baseline"),
        "index.js": PROGRAM,
      },
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
        openaiSecret: { value: OPENAI_SECRET, secret: true },
        anthropicSecret: { value: ANTHROPIC_SECRET, secret: true },
        bedrockSecret: { value: BEDROCK_SECRET, secret: true },
        bedrockKey: { value: BEDROCK_KEY, secret: true },
        workspaceId: { value: "ws-upgrade" },
      },
    });
  });

  after(async () => {
    await project?.cleanup();
    await emulator?.close();
  });

  it(`up with the ${BASELINE_COMMIT} package creates three configurations`, async () => {
    assert.equal(installedTarball(project), BASELINE_TARBALL, "the baseline package is the one installed");

    await project.mustRun(["up", "--yes"]);
    const live = (await emulator.state()).aiLlms;
    assert.deepEqual(live.map((c) => c.name).sort(), ["Bedrock", "Claude", "Production OpenAI"]);
    deployed = await project.resourcesOfType();
    assert.equal(deployed.length, 3);
    const outputs = await project.outputs();
    assert.equal(typeof outputs.openaiValidated, "boolean", "validate: warn recorded a result");
  });

  it("after npm install of the current package, preview and refresh show no change", async () => {
    writeFileSync(path.join(project.dir, "package.json"), manifest("current"));
    await project.npm(["install", "--no-audit", "--no-fund", "--prefer-offline"]);
    assert.equal(installedTarball(project), packedPackage(), "npm install switched to the current package");

    await emulator.clearRequests();
    const preview = await project.run(["preview", "--expect-no-changes", "--diff"]);
    assertNothingChanged("preview --expect-no-changes", preview);
    const refresh = await project.run(["refresh", "--yes", "--expect-no-changes", "--diff"]);
    assertNothingChanged("refresh --expect-no-changes", refresh);
    const writes = (await emulator.requests()).filter((r) => r.method !== "GET");
    assert.deepEqual(writes, [], "preview and refresh only read");
  });

  it("up after the upgrade sends no write to the API and replaces nothing", async () => {
    await emulator.clearRequests();
    const up = await project.run(["up", "--yes", "--diff"]);
    assertNothingChanged("up", up);
    const writes = (await emulator.requests()).filter(
      (r) => ["POST", "PUT", "DELETE", "PATCH"].includes(r.method) && r.path.startsWith("/ai/llm"),
    );
    assert.deepEqual(writes, [], "up after the upgrade wrote to /ai/llm");

    const upgraded = await project.resourcesOfType();
    const old = byUrn(deployed);
    assert.equal(upgraded.length, 3);
    for (const resource of upgraded) {
      assert.equal(resource.id, old.get(resource.urn)?.id, `${resource.urn} kept its id`);
    }
    const live = (await emulator.state()).aiLlms;
    assert.deepEqual(
      live.map((c) => c.id).sort(),
      deployed.map((r) => r.id).sort(),
      "the same three configurations",
    );
  });

  it("the __provider recorded by the upgraded up holds no token, secret or machine path", async () => {
    for (const resource of await project.resourcesOfType()) {
      const provider = resource.inputs?.__provider;
      assert.equal(typeof provider, "string", `${resource.urn} records a __provider`);
      for (const [label, value] of Object.entries(SECRETS)) {
        assert.ok(!(provider as string).includes(value), `${label} is in the __provider of ${resource.urn}`);
      }
      for (const dir of [project.root, REPO_ROOT]) {
        assert.ok(!(provider as string).includes(dir), `${dir} is in the __provider of ${resource.urn}`);
      }
    }
    const written = await project.everythingWritten();
    for (const [label, value] of Object.entries(SECRETS)) {
      assert.ok(!written.includes(value), `${label} appears in plain text in state, history or output`);
    }
  });

  it("destroy removes the three configurations", async () => {
    await project.mustRun(["destroy", "--yes"]);
    assert.deepEqual((await emulator.state()).aiLlms, []);
  });
});
