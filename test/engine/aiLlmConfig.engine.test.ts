import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { AiLlmConfigArgs } from "pulumi-flashback";
import { installedPackage } from "../../support/installedPackage";
import { EngineStack, ensurePulumiRoot } from "../../support/engine";
import { EmulatorHandle } from "../../support/emulator";

// The package as `npm install` puts it in a user's project (see installedPackage.ts).
const { AiLlmConfig } = installedPackage();

/*
 * AiLlmConfig end to end: the real pulumi CLI (through the Automation API) runs
 * inline programs whose dynamic provider talks to the emulator on loopback.
 * Nothing is faked; assertions are on what a user sees: API calls, state, output.
 */

const TOKEN = `test-token-${randomBytes(12).toString("hex")}`;
const SECRET = `sk-test-${randomBytes(12).toString("hex")}`;
const ROTATED_SECRET = `sk-rotated-${randomBytes(12).toString("hex")}`;
const KEY = `key-${randomBytes(12).toString("hex")}`;

const WRITE_METHODS = new Set(["POST", "PUT", "DELETE"]);

type Declared = Record<string, AiLlmConfigArgs>;

describe("AiLlmConfig through the real Pulumi engine", function () {
  this.timeout(180_000);

  let emulator: EmulatorHandle;
  let engine: EngineStack;
  /** What the inline program declares; tests change it between operations. */
  let declared: Declared = {};

  const program = async () => {
    const outputs: Record<string, pulumi.Output<string>> = {};
    for (const [resourceName, args] of Object.entries(declared)) {
      const config = new AiLlmConfig(resourceName, args);
      outputs[resourceName] = config.aiLlmId;
    }
    return outputs;
  };

  /** API requests the emulator saw since the last call, control API excluded. */
  async function takeRequests() {
    const requests = await emulator.requests();
    await emulator.clearRequests();
    return requests;
  }

  function writes(requests: { method: string; path: string }[]) {
    return requests.filter((r) => WRITE_METHODS.has(r.method) && !r.path.endsWith("/validate"));
  }

  async function assertNothingSecretWritten(): Promise<void> {
    const written = await engine.everythingWritten();
    for (const [label, value] of Object.entries({ SECRET, ROTATED_SECRET, KEY, TOKEN })) {
      assert.ok(
        !written.includes(value),
        `${label} appears in plain text in the state, export or CLI output`,
      );
    }
  }

  async function liveConfigs() {
    return (await emulator.state()).aiLlms;
  }

  before(async function () {
    ensurePulumiRoot();
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: ["ws-a", "ws-b"] }] });
    engine = await EngineStack.create({
      program,
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
      },
    });
  });

  after(async () => {
    await engine?.cleanup();
    await emulator?.close();
  });

  it("up creates the configuration and exports aiLlmId", async () => {
    declared = {
      openai: {
        name: "Production OpenAI",
        aiType: "OPENAI",
        endpoint: "https://api.openai.com/v1",
        secret: SECRET,
        key: KEY,
        workspaceId: "ws-a",
        validate: "warn",
      },
    };
    await takeRequests();
    const result = await engine.up();
    assert.equal(result.summary.resourceChanges?.create, 2, "the stack and one configuration");
    const live = await liveConfigs();
    assert.equal(live.length, 1);
    assert.equal(result.outputs.openai.value, live[0].id);
    assert.equal(live[0].name, "Production OpenAI");
    assert.equal(live[0].hasKey, true);
    const creates = writes(await takeRequests());
    assert.deepEqual(
      creates.map((r) => `${r.method} ${r.path}`),
      ["POST /ai/llm"],
    );
    const [resource] = await engine.resourcesOfType();
    assert.equal(resource.id, live[0].id);
    assert.equal(resource.outputs?.aiLlmId, live[0].id);
    assert.equal(resource.outputs?.orgId, live[0].orgId);
    assert.equal(resource.outputs?.validated, true);
    assert.deepEqual(resource.outputs?.repos, []);
    // Installed from npm, the provider is recorded as a bare require of the package.
    const providerText = String(resource.inputs?.__provider);
    assert.match(providerText, /require\("pulumi-flashback\/dist\/provider\/processProvider\.js"\)/);
    assert.ok(providerText.length < 512, `__provider is ${providerText.length} bytes`);
    await assertNothingSecretWritten();
  });

  it("a second up and a preview make no write call", async () => {
    const up = await engine.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 2 });
    const preview = await engine.preview();
    assert.equal(preview.changeSummary.same, 2);
    assert.deepEqual(writes(await takeRequests()), []);
    await assertNothingSecretWritten();
  });

  it("a rename is one PUT that changes only the name", async () => {
    declared.openai = { ...declared.openai, name: "Renamed OpenAI" };
    const up = await engine.up();
    assert.equal(up.summary.resourceChanges?.update, 1);
    const requests = writes(await takeRequests());
    assert.deepEqual(
      requests.map((r) => r.method),
      ["PUT"],
    );
    const [live] = await liveConfigs();
    assert.equal(live.name, "Renamed OpenAI");
    // The emulator forgets a validation when credentials or endpoint change: still
    // validated means the PUT carried the name alone.
    assert.equal(live.lastValidation?.success, true);
    await assertNothingSecretWritten();
  });

  it("a secret rotation updates in place and the new secret reaches Flashback", async () => {
    const before = (await liveConfigs())[0].id;
    declared.openai = { ...declared.openai, secret: `invalid-${ROTATED_SECRET}` };
    const up = await engine.up();
    assert.equal(up.summary.resourceChanges?.update, 1);
    const [live] = await liveConfigs();
    assert.equal(live.id, before, "same configuration, not a replacement");
    // The emulator's validation fails for a secret that starts with "invalid".
    assert.equal(live.lastValidation?.success, false);
    const [resource] = await engine.resourcesOfType();
    assert.equal(resource.outputs?.validated, false);
    declared.openai = { ...declared.openai, secret: ROTATED_SECRET };
    await engine.up();
    assert.equal((await liveConfigs())[0].lastValidation?.success, true);
    await takeRequests();
    await assertNothingSecretWritten();
  });

  it("a workspace change replaces the configuration", async () => {
    const before = (await liveConfigs())[0].id;
    declared.openai = { ...declared.openai, workspaceId: "ws-b" };
    const up = await engine.up();
    assert.equal(up.summary.resourceChanges?.replace, 1);
    const live = await liveConfigs();
    assert.equal(live.length, 1);
    assert.notEqual(live[0].id, before);
    assert.equal(live[0].workspaceId, "ws-b");
    const [resource] = await engine.resourcesOfType();
    assert.equal(resource.id, live[0].id);
    await takeRequests();
    await assertNothingSecretWritten();
  });

  it("refresh shows an out-of-band rename and the next up restores the declared name", async () => {
    const [live] = await liveConfigs();
    const changed = await emulator.api("PUT", `/ai/llm/${live.id}`, { name: "Changed by hand" }, TOKEN);
    assert.equal(changed.status, 200);
    await takeRequests();
    const refresh = await engine.refresh();
    assert.equal(refresh.summary.resourceChanges?.update, 1, "refresh reports the drift");
    const [resource] = await engine.resourcesOfType();
    assert.equal(resource.outputs?.name, "Changed by hand");
    assert.deepEqual(writes(await takeRequests()), [], "refresh writes nothing");
    const up = await engine.up();
    assert.equal(up.summary.resourceChanges?.update, 1);
    assert.equal((await liveConfigs())[0].name, "Renamed OpenAI");
    await takeRequests();
    await assertNothingSecretWritten();
  });

  it("refresh drops an out-of-band delete and the next up creates it again", async () => {
    const [live] = await liveConfigs();
    assert.equal((await emulator.api("DELETE", `/ai/llm/${live.id}`, undefined, TOKEN)).status, 200);
    const refresh = await engine.refresh();
    assert.equal(refresh.summary.resourceChanges?.delete, 1);
    assert.equal((await engine.resourcesOfType()).length, 0);
    const up = await engine.up();
    assert.equal(up.summary.resourceChanges?.create, 1);
    const again = await liveConfigs();
    assert.equal(again.length, 1);
    assert.equal((await engine.resourcesOfType())[0].id, again[0].id);
    await takeRequests();
    await assertNothingSecretWritten();
  });

  it("bad input fails at preview, names the field, and sends no request", async () => {
    const good = declared.openai;
    declared.broken = { ...good, name: "Broken", aiType: "openai" as never, endpoint: "api.example.com" };
    try {
      await assert.rejects(engine.preview(), (error: Error) => {
        assert.match(error.message, /aiType must be one of OPENAI, GOOGLE, ANTHROPIC, AWS, OTHER/);
        assert.match(error.message, /endpoint must be an absolute http:\/\/ or https:\/\/ URL/);
        return true;
      });
      assert.deepEqual(await takeRequests(), []);
      assert.equal((await liveConfigs()).length, 1);
    } finally {
      delete declared.broken;
    }
    await assertNothingSecretWritten();
  });

  it("a delete refused because a repository uses the configuration names it and keeps the resource", async () => {
    const [live] = await liveConfigs();
    await emulator.seed({ repos: [{ id: "repo-1", name: "support-bot", aiLlmId: live.id }] });
    const kept = declared.openai;
    declared = {};
    try {
      await assert.rejects(engine.up(), /in use by repositories support-bot/);
      assert.equal((await engine.resourcesOfType()).length, 1, "still in state");
      assert.equal((await liveConfigs()).length, 1, "still in Flashback");
    } finally {
      declared = { openai: kept };
      await emulator.seed({ unlinkRepos: ["repo-1"] });
    }
    await takeRequests();
    await assertNothingSecretWritten();
  });

  it("a lost create response leaves exactly one configuration", async () => {
    declared.lost = { ...declared.openai, name: "Lost response", workspaceId: "ws-a" };
    await emulator.fault({ method: "POST", pathPrefix: "/ai/llm", count: 1, action: "drop-after" });
    const up = await engine.up();
    assert.equal(up.summary.resourceChanges?.create, 1);
    const named = (await liveConfigs()).filter((c) => c.name === "Lost response");
    assert.equal(named.length, 1, "no duplicate");
    const ids = (await engine.resourcesOfType()).map((r) => r.id);
    assert.ok(ids.includes(named[0].id), "no orphan: the state knows it");
    const requests = await takeRequests();
    assert.equal(requests.filter((r) => r.method === "POST" && r.path === "/ai/llm").length, 1);
    await assertNothingSecretWritten();
  });

  it("adoptExisting takes over a configuration made by hand; without it the error says how", async () => {
    const made = await emulator.api(
      "POST",
      "/ai/llm",
      {
        name: "Made by hand",
        aiType: "GOOGLE",
        endpoint: "https://old.example.com",
        secret: SECRET,
        workspaceId: "ws-a",
      },
      TOKEN,
    );
    assert.equal(made.status, 200);
    const handMadeId = (made.body as { aiLlmId: string }).aiLlmId;
    declared.adopted = {
      name: "Made by hand",
      aiType: "ANTHROPIC",
      endpoint: "https://api.anthropic.com/v1",
      secret: SECRET,
      workspaceId: "ws-a",
    };
    await assert.rejects(engine.up(), /already exists.*adoptExisting: true/s);
    declared.adopted = { ...declared.adopted, adoptExisting: true };
    const up = await engine.up();
    assert.equal(up.summary.resourceChanges?.create, 1);
    const adopted = (await liveConfigs()).filter((c) => c.name === "Made by hand");
    assert.equal(adopted.length, 1);
    assert.equal(adopted[0].id, handMadeId);
    assert.equal(adopted[0].aiType, "ANTHROPIC", "updated to the declared state");
    assert.equal(up.outputs.adopted.value, handMadeId);
    const state = (await engine.resourcesOfType()).find((r) => r.id === handMadeId);
    assert.equal(state?.outputs?.adopted, true, "the state says it was adopted, not created");
    assert.match(engine.output.join(""), /already existed \(id [^)]+\) and was adopted, not created/);
    await takeRequests();
    await assertNothingSecretWritten();
  });

  it("two resources declaring one name in one workspace fail before anything is written, naming both", async () => {
    const before = await liveConfigs();
    declared.twin = { ...declared.adopted, adoptExisting: true };
    await takeRequests();
    await assert.rejects(
      engine.preview(),
      /AiLlmConfig "twin" and AiLlmConfig "adopted" both declare the configuration "Made by hand" in workspace "ws-a"/,
    );
    await assert.rejects(engine.up(), /both declare the configuration "Made by hand"/);
    delete declared.twin;
    assert.deepEqual(await liveConfigs(), before, "nothing created, changed or deleted");
    assert.equal(writes(await takeRequests()).length, 0);
    const adoptedState = (await engine.resourcesOfType()).filter((r) => r.urn.endsWith("::adopted"));
    assert.equal(adoptedState.length, 1, "the first resource is still managed");
  });

  it("destroy leaves the emulator empty", async () => {
    const result = await engine.destroy();
    assert.ok((result.summary.resourceChanges?.delete ?? 0) >= 3);
    assert.deepEqual(await liveConfigs(), []);
    assert.equal((await engine.resourcesOfType()).length, 0);
    await assertNothingSecretWritten();
  });
});
