import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { CliProject, requireLanguageHost, shippedExample } from "../../support/cliProject";
import { EmulatorHandle } from "../../support/emulator";

/*
 * examples/stored-key as a user runs it: the packed package installed into a fresh
 * project, the real `pulumi` CLI, the emulator on loopback. One stored key, three
 * configurations that use it, a rotation through `pulumi config set --secret`, destroy.
 */

const TOKEN = `cli-token-${randomBytes(12).toString("hex")}`;
const FIRST_SECRET = `sk-first-${randomBytes(12).toString("hex")}`;
const ROTATED_SECRET = `invalid-rotated-${randomBytes(12).toString("hex")}`;
const ORGANIZATION = `org-${randomBytes(12).toString("hex")}`;
const WORKSPACE = "ws-stored";

describe("examples/stored-key through the pulumi CLI (packed package)", function () {
  this.timeout(300_000);
  requireLanguageHost();

  let emulator: EmulatorHandle;
  let project: CliProject;

  async function writes(): Promise<string[]> {
    const requests = await emulator.requests();
    await emulator.clearRequests();
    return requests
      .filter((r) => ["POST", "PUT", "DELETE"].includes(r.method) && !r.path.endsWith("/validate"))
      .map((r) => `${r.method} ${r.path}`);
  }

  async function validateAll(): Promise<boolean[]> {
    const listed = await emulator.api("GET", `/ai/llm?workspaceId=${WORKSPACE}`);
    const ids = (listed.body as { aiLlms: { id: string }[] }).aiLlms.map((c) => c.id);
    const results = await Promise.all(ids.map((id) => emulator.api("POST", `/ai/llm/${id}/validate`)));
    return results.map((r) => (r.body as { success: boolean }).success);
  }

  before(async () => {
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: [WORKSPACE] }] });
    project = await CliProject.create({
      files: shippedExample("stored-key"),
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
        openaiSecret: { value: FIRST_SECRET, secret: true },
        openaiOrganization: { value: ORGANIZATION, secret: true },
        workspaceId: { value: WORKSPACE },
      },
    });
  });

  after(async () => {
    await project?.cleanup();
    await emulator?.close();
  });

  it("up stores the key, then three configurations that use it", async () => {
    await project.mustRun(["up", "--yes"]);
    const sent = await writes();
    assert.deepEqual(sent, ["POST /apikeys", "POST /ai/llm", "POST /ai/llm", "POST /ai/llm"]);
    const outputs = await project.outputs();
    const keys = (await emulator.api("GET", `/apikeys?workspaceId=${WORKSPACE}`)).body as {
      apiKeys: { id: string; aillm_count: number }[];
    };
    assert.equal(keys.apiKeys.length, 1);
    assert.equal(outputs.apiKeyId, keys.apiKeys[0].id);
    assert.equal(keys.apiKeys[0].aillm_count, 3);
    assert.deepEqual(await validateAll(), [true, true, true]);
    const preview = await project.run(["preview", "--expect-no-changes"]);
    assert.equal(preview.code, 0, preview.text);
  });

  it("a rotation through config set --secret is one update of the key; validate follows it", async () => {
    await project.setConfig("openaiSecret", ROTATED_SECRET, true);
    const up = await project.mustRun(["up", "--yes"]);
    assert.match(up.text, /1 updated/);
    assert.match(up.text, /4 unchanged/);
    const outputs = await project.outputs();
    assert.deepEqual(await writes(), [`PUT /apikeys/${String(outputs.apiKeyId)}`]);
    assert.deepEqual(await validateAll(), [false, false, false], "the new secret is what validate uses");
  });

  it("destroy deletes the configurations before the key; nothing secret is written anywhere", async () => {
    await project.mustRun(["destroy", "--yes"]);
    const sent = await writes();
    assert.equal(sent.length, 4);
    assert.match(sent[3], /^DELETE \/apikeys\//, `the key goes last: ${sent.join(", ")}`);
    const written = await project.everythingWritten();
    for (const [label, value] of Object.entries({ TOKEN, FIRST_SECRET, ROTATED_SECRET, ORGANIZATION })) {
      assert.ok(!written.includes(value), `${label} appears in plain text in state, history or output`);
    }
  });
});
