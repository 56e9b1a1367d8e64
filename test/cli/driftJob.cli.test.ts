import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { CliProject, projectPackageJson, requireLanguageHost } from "../../support/cliProject";
import { EmulatorHandle } from "../../support/emulator";
import { REPO_ROOT } from "../../support/engine";

/*
 * The scheduled drift job of examples/cd, run as the CI files run it: the exact
 * command is read from the CI files, the credential is a refresh token in the
 * environment (a CI secret), and the job must fail, naming the resource and the
 * field, when Flashback differs from the code, and pass when it does not.
 */

const TOKEN = `drift-token-${randomBytes(12).toString("hex")}`;
const REFRESH_TOKEN = `drift-refresh-${randomBytes(12).toString("hex")}`;
const SECRET = `sk-drift-${randomBytes(12).toString("hex")}`;
const WORKFLOW = path.join(REPO_ROOT, "examples", "cd", "github-actions.yml");
const GITLAB = path.join(REPO_ROOT, "examples", "cd", "gitlab-ci.yml");

/** The pulumi arguments of the drift step in a CI file, without its `--stack` (the test project has its own). */
function driftCommand(file = WORKFLOW): string[] {
  const line = readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim().replace(/^- /, ""))
    .find((l) => l.startsWith("pulumi preview --refresh"));
  assert.ok(line, `${path.basename(file)} has a \`pulumi preview --refresh\` drift step`);
  const args = line
    .replace(/\s+#.*$/, "")
    .split(/\s+/)
    .slice(1);
  return args.filter((a, i) => a !== "--stack" && args[i - 1] !== "--stack");
}

describe("the scheduled drift job of examples/cd", function () {
  this.timeout(300_000);
  requireLanguageHost();

  let emulator: EmulatorHandle;
  let project: CliProject;

  before(async () => {
    // The project gets a refresh token, as the CI files do; TOKEN is the test's own, for changes by hand.
    emulator = await EmulatorHandle.start({
      tokens: [{ token: TOKEN, workspaces: ["ws-drift"] }],
      refreshTokens: [{ refreshToken: REFRESH_TOKEN, workspaces: ["ws-drift"] }],
    });
    project = await CliProject.create({
      files: {
        "Pulumi.yaml": "name: flashback-drift\nruntime: nodejs\n",
        "package.json": projectPackageJson("flashback-drift", { main: "index.js" }),
        "index.js": `const pulumi = require("@pulumi/pulumi");
const { AiLlmConfig } = require("pulumi-flashback");
const config = new pulumi.Config();
for (const [name, aiType] of [["openai", "OPENAI"], ["claude", "ANTHROPIC"]]) {
  new AiLlmConfig(name, {
    name: name + " (managed)",
    aiType,
    endpoint: "https://" + name + ".example.com/v1",
    secret: config.requireSecret("providerSecret"),
    workspaceId: "ws-drift",
  });
}
`,
      },
      config: {
        "flashback:apiUrl": { value: emulator.url },
        providerSecret: { value: SECRET, secret: true },
      },
      env: { FLASHBACK_REFRESH_TOKEN: REFRESH_TOKEN },
    });
    await project.mustRun(["up", "--yes"]);
  });

  after(async () => {
    await project?.cleanup();
    await emulator?.close();
  });

  it("both CI files run the same drift command", () => {
    assert.deepEqual(driftCommand(GITLAB), driftCommand());
    assert.ok(driftCommand().includes("--expect-no-changes"));
  });

  it("passes (exit 0) when Flashback matches the code", async () => {
    const result = await project.run(driftCommand());
    assert.equal(result.code, 0, result.text);
  });

  it("fails after a change behind Pulumi's back and names the resource and the field", async () => {
    const openai = (await emulator.state()).aiLlms.find((c) => c.name === "openai (managed)");
    assert.ok(openai);
    await emulator.api(
      "PUT",
      `/ai/llm/${openai.id}`,
      { endpoint: "https://elsewhere.example.com/v1" },
      TOKEN,
    );
    const result = await project.run(driftCommand());
    assert.notEqual(result.code, 0, result.text);
    assert.match(result.text, /AiLlmConfig.*openai|openai.*AiLlmConfig/);
    assert.match(result.text, /endpoint.*elsewhere\.example\.com/);
    assert.match(result.text, /no changes were expected for preview but changes were proposed/);
    assert.equal(
      (await emulator.state()).aiLlms.find((c) => c.id === openai.id)?.endpoint,
      "https://elsewhere.example.com/v1",
      "the job changes nothing",
    );
  });

  it("fails after a delete behind Pulumi's back and names the resource", async () => {
    await project.mustRun(["up", "--yes"]);
    const claude = (await emulator.state()).aiLlms.find((c) => c.name === "claude (managed)");
    assert.ok(claude);
    await emulator.api("DELETE", `/ai/llm/${claude.id}`, undefined, TOKEN);
    const result = await project.run(driftCommand());
    assert.notEqual(result.code, 0, result.text);
    assert.match(
      result.text,
      /\+ pulumi-nodejs:dynamic\/flashback:AiLlmConfig: \(create\)\s+\[urn=[^\]]*::claude\]/,
    );
    const written = await project.everythingWritten();
    for (const value of [TOKEN, REFRESH_TOKEN, SECRET]) {
      assert.ok(!written.includes(value), "no credential in state or output");
    }
  });
});
