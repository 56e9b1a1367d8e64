import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  CliProject,
  packedPackage,
  projectPackageJson,
  requireLanguageHost,
  SDK_VERSION,
  type CommandResult,
} from "../../support/cliProject";
import { REPO_ROOT } from "../../support/engine";

const execFileAsync = promisify(execFile);

/*
 * examples/policy, the CrossGuard policy pack, run the way a user runs it: its
 * dependencies installed with npm (@pulumi/policy from the registry, pulumi-flashback
 * packed), then `pulumi preview --policy-pack <dir>` on a project that installs the
 * packed package. The pack runs through the Node.js language host. The policies match
 * AiLlmConfig with validateResourceOfType(AiLlmConfig, ...), so every violation below
 * also proves that AiLlmConfig's static type token works.
 */

const POLICIES = [
  "flashback-https-endpoint",
  "flashback-allowed-ai-types",
  "flashback-validate-in-prod",
  "flashback-credentials-secret",
];

/** The program: `variant` "bad" breaks each policy with its own resource; "good" breaks none. */
const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const { AiLlmConfig } = require("pulumi-flashback");

const config = new pulumi.Config();
const secret = config.requireSecret("openaiSecret");
const base = { aiType: "OPENAI", endpoint: "https://api.openai.com/v1", secret, workspaceId: "ws-a", validate: "warn" };
if (config.require("variant") === "bad") {
  new AiLlmConfig("plain-http", { ...base, name: "Plain HTTP", endpoint: "http://llm.example.com/v1" });
  new AiLlmConfig("custom-type", { ...base, name: "Custom", aiType: "OTHER", endpoint: "https://llm.example.com/v1" });
  new AiLlmConfig("unvalidated", { ...base, name: "Unvalidated", validate: undefined });
  new AiLlmConfig("switched-off", { ...base, name: "Switched off", validate: "off" });
  // The type registered without the class: its secret is plain and nothing encrypts it.
  class HandRolled extends pulumi.dynamic.Resource {
    constructor(name, props) {
      super(require("pulumi-flashback/provider"), name, props, {}, "flashback", "AiLlmConfig");
    }
  }
  new HandRolled("hand-rolled", { ...base, name: "Hand rolled", secret: "sk-plain-in-code" });
} else {
  new AiLlmConfig("openai", { ...base, name: "OpenAI" });
  new AiLlmConfig("anthropic", {
    ...base,
    name: "Anthropic",
    aiType: "ANTHROPIC",
    endpoint: "https://api.anthropic.com/v1",
    validate: "require",
  });
}
`;

/** The lines of the "Policies:" section of a preview's output. */
function policyLines(result: CommandResult): string[] {
  const start = result.stdout.indexOf("Policies:");
  if (start < 0) return [];
  const end = result.stdout.indexOf("\nResources:", start);
  return result.stdout.slice(start, end < 0 ? undefined : end).split("\n");
}

/** The violation lines (`- [mandatory]  <policy>  (<type>: <resource>)`) of a preview's output. */
function violations(result: CommandResult): { policy: string; resource: string }[] {
  const found: { policy: string; resource: string }[] = [];
  for (const line of policyLines(result)) {
    const match = /\[(?:mandatory|advisory)\]\s+(\S+)\s+\((?:[^:]+:)+\s*([^)]+)\)/.exec(line);
    if (match) found.push({ policy: match[1], resource: match[2].trim() });
  }
  return found;
}

describe("examples/policy: the CrossGuard policy pack through `pulumi preview --policy-pack`", function () {
  this.timeout(300_000);
  requireLanguageHost();

  let project: CliProject;
  let packDir: string;
  let packRoot: string;

  before(async () => {
    // The pack as a user has it, with its package.json pointing at the packed package.
    packRoot = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-policy-pack-"));
    packDir = path.join(packRoot, "policy");
    await fs.mkdir(packDir);
    const source = path.join(REPO_ROOT, "examples", "policy");
    for (const file of ["PulumiPolicy.yaml", "index.js"]) {
      await fs.copyFile(path.join(source, file), path.join(packDir, file));
    }
    const manifest = JSON.parse(await fs.readFile(path.join(source, "package.json"), "utf8"));
    manifest.dependencies["pulumi-flashback"] = `file:${packedPackage()}`;
    manifest.dependencies["@pulumi/pulumi"] = SDK_VERSION;
    await fs.writeFile(path.join(packDir, "package.json"), JSON.stringify(manifest, null, 2));
    const install = execFileAsync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
      cwd: packDir,
    });
    project = await CliProject.create({
      stackName: "prod",
      files: {
        "Pulumi.yaml": "name: flashback-policy-test\nruntime: nodejs\n",
        "package.json": projectPackageJson("flashback-policy-test", { main: "index.js" }),
        "index.js": PROGRAM,
      },
      config: {
        // Loopback and never called: a preview of creates makes no API call.
        "flashback:apiUrl": { value: "http://127.0.0.1:9" },
        // Not a secret: flashback-credentials-secret must report it.
        "flashback:token": { value: "policy-test-token" },
        openaiSecret: { value: "sk-policy-test", secret: true },
        variant: { value: "bad" },
      },
    });
    await install;
  });

  after(async () => {
    if (project) {
      // Kept for a failing run: what the CLI printed.
      if (process.env.FLASHBACK_TEST_SHOW_OUTPUT) console.log(project.output.join("\n"));
      await project.cleanup();
    }
    if (packRoot) await fs.rm(packRoot, { recursive: true, force: true });
  });

  it("a bad stack: each policy reports its resource, and the preview fails", async () => {
    const result = await project.run(["preview", "--policy-pack", packDir]);
    assert.notEqual(result.code, 0, result.text);
    const found = violations(result);
    const pairs = new Set(found.map((v) => `${v.policy} ${v.resource}`));
    for (const expected of [
      "flashback-https-endpoint plain-http",
      "flashback-allowed-ai-types custom-type",
      "flashback-validate-in-prod unvalidated",
      "flashback-validate-in-prod switched-off",
      // The plain flashback:token reaches every configuration through the default provider.
      "flashback-credentials-secret plain-http",
      "flashback-credentials-secret unvalidated",
      "flashback-credentials-secret hand-rolled",
    ]) {
      assert.ok(pairs.has(expected), `no violation "${expected}" in:\n${policyLines(result).join("\n")}`);
    }
    for (const unexpected of [
      "flashback-https-endpoint custom-type",
      "flashback-allowed-ai-types plain-http",
    ]) {
      assert.ok(!pairs.has(unexpected), `unexpected violation "${unexpected}"`);
    }
    assert.deepEqual([...new Set(found.map((v) => v.policy))].sort(), [...POLICIES].sort());
    // The messages say what is wrong and how to fix it.
    assert.match(result.stdout, /endpoint "http:\/\/llm\.example\.com\/v1" does not use https/);
    assert.match(
      result.stdout,
      /aiType "OTHER" is not allowed here; allowed: OPENAI, ANTHROPIC, GOOGLE, AWS/,
    );
    assert.match(result.stdout, /validate is unset in the production stack "prod"/);
    assert.match(result.stdout, /validate is "off" in the production stack "prod"/);
    assert.match(result.stdout, /pulumi config set --secret flashback:token/);
    assert.match(result.stdout, /secret is not a Pulumi secret/);
    assert.match(result.stdout, /secret and key would be stored in the state unencrypted/);
    // Only the hand-rolled one: AiLlmConfig makes secret a Pulumi secret whatever it is given.
    assert.equal(result.stdout.match(/is not a Pulumi secret/g)?.length, 1);
    assert.ok(!result.text.includes("policy-test-token"), "the token is not shown");
  });

  it("the aiType allow-list is configurable with --policy-pack-config", async () => {
    const configFile = path.join(packRoot, "policy-config.json");
    await fs.writeFile(
      configFile,
      JSON.stringify({ "flashback-allowed-ai-types": { allowedAiTypes: ["OPENAI", "OTHER"] } }),
    );
    const result = await project.run([
      "preview",
      "--policy-pack",
      packDir,
      "--policy-pack-config",
      configFile,
    ]);
    const policies = new Set(violations(result).map((v) => v.policy));
    assert.ok(!policies.has("flashback-allowed-ai-types"), policyLines(result).join("\n"));
    assert.ok(policies.has("flashback-https-endpoint"), "the other policies still apply");
  });

  it("a good stack passes every policy and the preview succeeds", async () => {
    await project.setConfig("flashback:token", "policy-test-token", true);
    await project.setConfig("variant", "good");
    const result = await project.run(["preview", "--policy-pack", packDir]);
    assert.equal(result.code, 0, result.text);
    assert.deepEqual(violations(result), []);
    assert.match(result.stdout, /flashback@v0\.1\.0/, "the pack ran");
    assert.match(result.stdout, /\+ 3 to create/);
  });
});
