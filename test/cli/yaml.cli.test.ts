import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import {
  CliProject,
  projectPackageJson,
  requireLanguageHost,
  requireYamlLanguageHost,
  shippedExample,
  yamlLanguageHost,
} from "../../support/cliProject";
import { EmulatorHandle } from "../../support/emulator";
import { API_KEY_FIELD_NAMES } from "../../src/provider/apiKey/fields";
import { DECLARED_FIELDS, SECRET_FIELDS, VALIDATION_MODES } from "../../src/provider/fields";
import { AI_TYPES } from "../../src/schemas/common";
import { ensurePulumiRoot, REPO_ROOT } from "../../support/engine";

/*
 * examples/yaml as a Pulumi YAML user runs it: `npm install` of the packed package in the
 * project folder (the component package ships inside it, and the dynamic-provider host
 * loads it from there), the real `pulumi` CLI with the YAML and Node.js language hosts,
 * the emulator on loopback. Up, a rename in place, drift caught by refresh, a literal
 * secret written into the YAML, destroy; the state is searched for every secret.
 */

const TOKEN = `yaml-token-${randomBytes(12).toString("hex")}`;
const OPENAI_SECRET = `sk-openai-${randomBytes(12).toString("hex")}`;
const ANTHROPIC_SECRET = `sk-ant-${randomBytes(12).toString("hex")}`;
const LITERAL_SECRET = `sk-literal-${randomBytes(12).toString("hex")}`;
const WORKSPACE = "ws-yaml";

/** What `pulumi package get-schema` says of one resource. */
interface SchemaResource {
  isComponent?: boolean;
  inputProperties: Record<string, { type?: string; $ref?: string }>;
  requiredInputs?: string[];
  properties: Record<string, unknown>;
}

/** The parts of a package schema the tests read. */
interface PackageSchema {
  name: string;
  version: string;
  resources: Record<string, SchemaResource>;
  types: Record<string, { enum?: { value: string }[] }>;
}

const sorted = (values: readonly string[]): string[] => [...values].sort();

describe("examples/yaml: Flashback from Pulumi YAML through the component package", function () {
  this.timeout(600_000);
  requireLanguageHost();
  requireYamlLanguageHost();

  let emulator: EmulatorHandle;
  let project: CliProject;

  async function writes(): Promise<string[]> {
    const requests = await emulator.requests();
    await emulator.clearRequests();
    return requests
      .filter((r) => ["POST", "PUT", "DELETE"].includes(r.method) && !r.path.endsWith("/validate"))
      .map((r) => `${r.method} ${r.path}`);
  }

  async function configurations(): Promise<{ id: string; name: string; apiKeyId?: string | null }[]> {
    const listed = await emulator.api("GET", `/ai/llm?workspaceId=${WORKSPACE}`);
    return (listed.body as { aiLlms: { id: string; name: string; apiKeyId?: string | null }[] }).aiLlms;
  }

  async function editProgram(edit: (text: string) => string): Promise<void> {
    const file = path.join(project.dir, "Pulumi.yaml");
    await fs.writeFile(file, edit(await fs.readFile(file, "utf8")));
  }

  before(async () => {
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: [WORKSPACE] }] });
    const host = yamlLanguageHost();
    project = await CliProject.create({
      files: shippedExample("yaml"),
      pathDirs: host.found ? [host.dir] : [],
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
        openaiSecret: { value: OPENAI_SECRET, secret: true },
        anthropicSecret: { value: ANTHROPIC_SECRET, secret: true },
        workspaceId: { value: WORKSPACE },
      },
    });
  });

  after(async () => {
    await project?.cleanup();
    await emulator?.close();
  });

  it("pulumi package get-schema infers both components with the resources' arguments and outputs", async () => {
    // `pulumi package` takes no --stack, so it is run as a plain command.
    const pulumi = path.join(ensurePulumiRoot(), "bin", "pulumi");
    const { code, stdout, text } = await project.runCommand(pulumi, [
      "package",
      "get-schema",
      "./node_modules/pulumi-flashback/component",
    ]);
    assert.equal(code, 0, text);
    const schema = JSON.parse(stdout) as PackageSchema;
    const version = JSON.parse(await fs.readFile(path.join(REPO_ROOT, "package.json"), "utf8")).version;
    assert.equal(schema.name, "flashback");
    assert.equal(schema.version, version, "the component package has the npm package's version");

    const config = schema.resources["flashback:index:AiLlmConfig"];
    assert.equal(config.isComponent, true);
    assert.deepEqual(sorted(Object.keys(config.inputProperties)), sorted(DECLARED_FIELDS));
    assert.deepEqual(sorted(config.requiredInputs ?? []), ["aiType", "endpoint", "name", "workspaceId"]);
    assert.equal(config.inputProperties.aiType.$ref, "#/types/flashback:index:AiType");
    assert.equal(config.inputProperties.validate.$ref, "#/types/flashback:index:Validate");
    const computed = ["aiLlmId", "orgId", "createdAt", "repos", "validated", "validationMessage", "adopted"];
    const nonSecret = DECLARED_FIELDS.filter((f) => !(SECRET_FIELDS as readonly string[]).includes(f));
    assert.deepEqual(sorted(Object.keys(config.properties)), sorted([...nonSecret, ...computed]));
    assert.deepEqual(
      schema.types["flashback:index:AiType"].enum?.map((e) => e.value),
      [...AI_TYPES],
      "aiType is an enum of the API's provider types",
    );
    assert.deepEqual(
      schema.types["flashback:index:Validate"].enum?.map((e) => e.value),
      [...VALIDATION_MODES],
    );

    const key = schema.resources["flashback:index:ProviderApiKey"];
    assert.equal(key.isComponent, true);
    assert.deepEqual(
      sorted(Object.keys(key.inputProperties)),
      sorted([...API_KEY_FIELD_NAMES, "adoptExisting"]),
    );
    assert.deepEqual(sorted(key.requiredInputs ?? []), [
      "description",
      "key",
      "provider",
      "secret",
      "workspaceId",
    ]);
    const keyComputed = ["apiKeyId", "createdAt", "aiLlmCount", "bucketCount", "adopted"];
    const keyNonSecret = [...API_KEY_FIELD_NAMES, "adoptExisting"].filter(
      (f) => f !== "secret" && f !== "key",
    );
    assert.deepEqual(sorted(Object.keys(key.properties)), sorted([...keyNonSecret, ...keyComputed]));
  });

  it("a value outside the aiType enum fails at preview, naming the property, and nothing is written", async () => {
    await editProgram((text) => text.replace("aiType: ANTHROPIC", "aiType: anthropic"));
    const preview = await project.run(["preview"]);
    await editProgram((text) => text.replace("aiType: anthropic", "aiType: ANTHROPIC"));
    assert.notEqual(preview.code, 0, preview.text);
    assert.match(preview.text, /aiType/);
    assert.match(preview.text, /ANTHROPIC/, "the message lists the allowed values");
    assert.deepEqual(await writes(), []);
  });

  it("up stores the key, then the configurations; the one on the key carries its id", async () => {
    const up = await project.mustRun(["up", "--yes"]);
    assert.match(up.text, /7 created/, up.text);
    const sent = await writes();
    assert.deepEqual(sorted(sent), ["POST /ai/llm", "POST /ai/llm", "POST /apikeys"]);
    assert.equal(
      sent.indexOf("POST /apikeys") < sent.lastIndexOf("POST /ai/llm"),
      true,
      "the key comes first",
    );
    const outputs = await project.outputs();
    const byName = new Map((await configurations()).map((c) => [c.name, c]));
    assert.equal(byName.get("Production OpenAI")?.id, outputs.openaiId);
    assert.equal(byName.get("Production OpenAI")?.apiKeyId, outputs.openaiKeyId);
    assert.equal(byName.get("Claude")?.id, outputs.claudeId);
    assert.equal(outputs.openaiValidated, true, "validate: warn checked the stored key's secret");
    // Pulumi gives a component only the other component's URN; the configuration must
    // depend on the key resource itself, or a destroy may delete the key first.
    const [keyResource] = await project.resourcesOfType("pulumi-nodejs:dynamic/flashback:ProviderApiKey");
    const openai = (await project.resourcesOfType()).find((r) => r.urn.endsWith("::openai"));
    assert.ok(openai?.dependencies?.includes(keyResource.urn), JSON.stringify(openai?.dependencies));
    const preview = await project.run(["preview", "--expect-no-changes"]);
    assert.equal(preview.code, 0, preview.text);
    assert.deepEqual(await writes(), []);
  });

  it("a rename in the YAML is one update in place, the id kept", async () => {
    const before = (await project.outputs()).claudeId;
    await editProgram((text) => text.replace("name: Claude\n", "name: Claude (production)\n"));
    await project.mustRun(["up", "--yes"]);
    assert.deepEqual(await writes(), [`PUT /ai/llm/${String(before)}`]);
    assert.equal((await project.outputs()).claudeId, before);
    assert.ok((await configurations()).some((c) => c.id === before && c.name === "Claude (production)"));
  });

  it("a rename made behind Pulumi's back shows at refresh, and up puts the declared name back", async () => {
    const id = String((await project.outputs()).claudeId);
    const renamed = await emulator.api("PUT", `/ai/llm/${id}`, { name: "Renamed by hand" });
    assert.equal(renamed.status, 200);
    await emulator.clearRequests();
    const drift = await project.run(["preview", "--refresh", "--expect-no-changes", "--diff"]);
    assert.notEqual(drift.code, 0, "the drift check fails");
    assert.match(drift.text, /Renamed by hand/);
    await project.mustRun(["refresh", "--yes"]);
    await project.mustRun(["up", "--yes"]);
    assert.deepEqual(
      (await writes()).filter((w) => w.startsWith("PUT")),
      [`PUT /ai/llm/${id}`],
    );
    assert.ok((await configurations()).some((c) => c.id === id && c.name === "Claude (production)"));
  });

  it("a secret written as a literal in the YAML is still encrypted in state", async () => {
    await editProgram((text) => text.replace("secret: ${anthropicSecret}", `secret: ${LITERAL_SECRET}`));
    await project.mustRun(["up", "--yes"]);
    const id = String((await project.outputs()).claudeId);
    assert.deepEqual(await writes(), [`PUT /ai/llm/${id}`]);
    const state = await project.stateFilesText();
    assert.ok(!state.includes(LITERAL_SECRET), "the literal secret is in plain text in the state");
    const component = (await project.resourcesOfType("flashback:index:AiLlmConfig")).find((r) =>
      r.urn.endsWith("::claude"),
    );
    assert.ok(component, "the component is in state");
    assert.equal(typeof component.inputs?.secret, "object", "the component's own input is a secret");
  });

  it("destroy deletes the configuration that uses the key before the key; no secret is written anywhere", async () => {
    const { openaiId, openaiKeyId } = await project.outputs();
    await project.mustRun(["destroy", "--yes"]);
    const sent = await writes();
    assert.equal(sent.length, 3, sent.join(", "));
    // The inline-secret configuration has no tie to the key and may go in any order.
    const configDelete = sent.indexOf(`DELETE /ai/llm/${String(openaiId)}`);
    const keyDelete = sent.indexOf(`DELETE /apikeys/${String(openaiKeyId)}`);
    assert.ok(configDelete >= 0 && keyDelete >= 0, sent.join(", "));
    assert.ok(
      configDelete < keyDelete,
      `the key goes after the configuration that uses it: ${sent.join(", ")}`,
    );
    assert.deepEqual(await configurations(), []);
    const written = await project.everythingWritten();
    for (const [label, value] of Object.entries({ TOKEN, OPENAI_SECRET, ANTHROPIC_SECRET, LITERAL_SECRET })) {
      assert.ok(!written.includes(value), `${label} appears in plain text in state, history or output`);
    }
  });
});

/*
 * The route Python, Go, C# and Java programs take to the same components: `pulumi package
 * add` generates an SDK of the component package in the program's language. Their
 * language hosts are not available here, so it runs with the generated TypeScript SDK.
 */
const GENERATED_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as flashback from "@pulumi/flashback";
const config = new pulumi.Config();
const chat = new flashback.AiLlmConfig("chat", {
  name: "Generated SDK",
  aiType: flashback.AiType.OPENAI,
  endpoint: "https://api.openai.com/v1",
  secret: config.requireSecret("openaiSecret"),
  workspaceId: "${WORKSPACE}",
});
export const chatId = chat.aiLlmId;
export const chatOrg = chat.orgId;
`;

describe("the component package through an SDK that pulumi package add generates", function () {
  this.timeout(600_000);
  requireLanguageHost();

  let emulator: EmulatorHandle;
  let project: CliProject;

  before(async () => {
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: [WORKSPACE] }] });
    project = await CliProject.create({
      files: {
        "Pulumi.yaml": "name: flashback-generated-sdk\nruntime: nodejs\n",
        "package.json": projectPackageJson(
          "flashback-generated-sdk",
          { main: "index.ts" },
          { typescript: "^5.0.0" },
        ),
        "index.ts": GENERATED_PROGRAM,
      },
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
        openaiSecret: { value: OPENAI_SECRET, secret: true },
      },
    });
  });

  after(async () => {
    await project?.cleanup();
    await emulator?.close();
  });

  it("generates the SDK, then up and destroy manage the configuration; no secret is written", async () => {
    const pulumi = path.join(ensurePulumiRoot(), "bin", "pulumi");
    const add = await project.runCommand(pulumi, [
      "package",
      "add",
      "./node_modules/pulumi-flashback/component",
    ]);
    assert.equal(add.code, 0, add.text);
    assert.match(add.text, /@pulumi\/flashback/);

    await project.mustRun(["up", "--yes"]);
    const outputs = await project.outputs();
    const listed = (await emulator.api("GET", `/ai/llm?workspaceId=${WORKSPACE}`)).body as {
      aiLlms: { id: string; name: string }[];
    };
    assert.deepEqual(
      listed.aiLlms.map((c) => [c.id, c.name]),
      [[outputs.chatId, "Generated SDK"]],
    );
    assert.equal(outputs.chatOrg, "org-emulator");
    const preview = await project.run(["preview", "--expect-no-changes"]);
    assert.equal(preview.code, 0, preview.text);

    await project.mustRun(["destroy", "--yes"]);
    assert.deepEqual((await emulator.state()).aiLlms, []);
    const written = await project.everythingWritten();
    for (const [label, value] of Object.entries({ TOKEN, OPENAI_SECRET })) {
      assert.ok(!written.includes(value), `${label} appears in plain text in state, history or output`);
    }
  });
});
