import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { AiLlmConfigArgs, ProviderApiKeyArgs } from "pulumi-flashback";
import { installedPackage } from "../../support/installedPackage";
import { EngineStack, ensurePulumiRoot } from "../../support/engine";
import { EmulatorHandle } from "../../support/emulator";

const { AiLlmConfig, ProviderApiKey } = installedPackage();

/*
 * Stored provider keys end to end: the real engine runs inline programs in which
 * configurations take their credentials from a ProviderApiKey by id, against the
 * emulator on loopback. Assertions are on API writes, live records and state.
 */

const TOKEN = `test-token-${randomBytes(12).toString("hex")}`;
const KEY_SECRET = `sk-stored-${randomBytes(12).toString("hex")}`;
const ROTATED_SECRET = `invalid-rotated-${randomBytes(12).toString("hex")}`;
const KEY_ID_VALUE = `org-${randomBytes(12).toString("hex")}`;
const INLINE_SECRET = `sk-inline-${randomBytes(12).toString("hex")}`;
/** An access key set by hand in Flashback, which a refresh reads back: it must stay secret in state. */
const HAND_KEY = `org-hand-${randomBytes(12).toString("hex")}`;
const WORKSPACE = "ws-keys";

const WRITE_METHODS = new Set(["POST", "PUT", "DELETE"]);

/** A configuration that names the stored key it uses by resource name, or inline credentials. */
type DeclaredConfig = Omit<AiLlmConfigArgs, "apiKeyId"> & { storedKey?: string };

interface Declared {
  keys: Record<string, ProviderApiKeyArgs>;
  configs: Record<string, DeclaredConfig>;
}

interface ListedKey {
  id: string;
  key: string;
  description?: string;
  aillm_count: number;
}

interface ListedConfig {
  id: string;
  name: string;
  apiKeyId?: string;
}

describe("ProviderApiKey through the real Pulumi engine", function () {
  this.timeout(240_000);

  let emulator: EmulatorHandle;
  let engine: EngineStack;
  let declared: Declared = { keys: {}, configs: {} };

  const program = async () => {
    const keys = new Map<string, InstanceType<typeof ProviderApiKey>>();
    for (const [name, args] of Object.entries(declared.keys)) keys.set(name, new ProviderApiKey(name, args));
    const outputs: Record<string, pulumi.Output<string>> = {};
    for (const [name, { storedKey, ...args }] of Object.entries(declared.configs)) {
      const apiKeyId = storedKey === undefined ? undefined : keys.get(storedKey)?.id;
      outputs[name] = new AiLlmConfig(name, { ...args, apiKeyId }).aiLlmId;
    }
    for (const [name, key] of keys) outputs[`key:${name}`] = key.apiKeyId;
    return outputs;
  };

  const keyArgs = (secret = KEY_SECRET): ProviderApiKeyArgs => ({
    provider: "OPENAI",
    key: KEY_ID_VALUE,
    secret,
    description: "OpenAI, shared",
    workspaceId: WORKSPACE,
  });

  /** A configuration on the stored key `storedKey`, or on an inline secret when it is null. */
  const configArgs = (name: string, storedKey: string | null = "shared"): DeclaredConfig => ({
    name,
    aiType: "OPENAI",
    endpoint: "https://api.openai.com/v1",
    workspaceId: WORKSPACE,
    ...(storedKey === null ? { secret: INLINE_SECRET } : { storedKey }),
  });

  async function takeWrites(): Promise<string[]> {
    const requests = await emulator.requests();
    await emulator.clearRequests();
    return requests
      .filter((r) => WRITE_METHODS.has(r.method) && !r.path.endsWith("/validate"))
      .map((r) => `${r.method} ${r.path}`);
  }

  async function listedKeys(): Promise<ListedKey[]> {
    const answer = await emulator.api("GET", `/apikeys?workspaceId=${WORKSPACE}`);
    assert.equal(answer.status, 200);
    return (answer.body as { apiKeys: ListedKey[] }).apiKeys;
  }

  async function listedConfigs(): Promise<ListedConfig[]> {
    const answer = await emulator.api("GET", `/ai/llm?workspaceId=${WORKSPACE}`);
    assert.equal(answer.status, 200);
    return (answer.body as { aiLlms: ListedConfig[] }).aiLlms;
  }

  async function validate(configId: string): Promise<boolean> {
    const answer = await emulator.api("POST", `/ai/llm/${configId}/validate`);
    assert.equal(answer.status, 200);
    return (answer.body as { success: boolean }).success;
  }

  async function assertNothingSecretWritten(): Promise<void> {
    const written = await engine.everythingWritten();
    for (const [label, value] of Object.entries({
      HAND_KEY,
      KEY_SECRET,
      ROTATED_SECRET,
      KEY_ID_VALUE,
      INLINE_SECRET,
      TOKEN,
    })) {
      assert.ok(
        !written.includes(value),
        `${label} appears in plain text in the state, export or CLI output`,
      );
    }
  }

  before(async function () {
    ensurePulumiRoot();
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: [WORKSPACE] }] });
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

  it("preview refuses both or neither of secret and apiKeyId, two keys of one description, and an empty description", async () => {
    // The engine stops a preview at the first failed check, so one case per preview.
    declared = {
      keys: { shared: keyArgs() },
      configs: { both: { ...configArgs("Both"), secret: INLINE_SECRET } },
    };
    await assert.rejects(
      engine.preview(),
      /resource 'both': property secret .* secret cannot be set with apiKeyId/,
    );
    declared = { keys: {}, configs: { neither: { ...configArgs("Neither", null), secret: undefined } } };
    await assert.rejects(
      engine.preview(),
      /resource 'neither': property secret .* secret is required unless apiKeyId/,
    );
    declared = { keys: { shared: keyArgs(), twin: { ...keyArgs(), key: "org-other" } }, configs: {} };
    await assert.rejects(
      engine.preview(),
      /ProviderApiKey "twin" and ProviderApiKey "shared" both declare the stored key "OpenAI, shared" in workspace "ws-keys"/,
    );
    declared = { keys: { shared: { ...keyArgs(), description: "" } }, configs: {} };
    await assert.rejects(engine.preview(), /description is required/);
    assert.deepEqual(await takeWrites(), [], "nothing was written");
  });

  it("up stores one key and three configurations that use it, the key first", async () => {
    declared = {
      keys: { shared: keyArgs() },
      configs: { chat: configArgs("Chat"), search: configArgs("Search"), batch: configArgs("Batch") },
    };
    const result = await engine.up();
    const writes = await takeWrites();
    assert.equal(writes[0], "POST /apikeys");
    assert.deepEqual(writes.slice(1), ["POST /ai/llm", "POST /ai/llm", "POST /ai/llm"]);
    const [key] = await listedKeys();
    assert.equal(key.aillm_count, 3);
    assert.equal(result.outputs["key:shared"].value, key.id);
    const configs = await listedConfigs();
    assert.deepEqual(
      configs.map((c) => c.apiKeyId),
      [key.id, key.id, key.id],
    );
    for (const config of configs) assert.equal(await validate(config.id), true);
    const [resource] = await engine.resourcesOfType("pulumi-nodejs:dynamic/flashback:ProviderApiKey");
    assert.equal(resource.id, key.id);
    assert.equal(resource.outputs?.apiKeyId, key.id);
    assert.equal(resource.outputs?.aiLlmCount, 0, "counted at create, before the configurations existed");
    await assertNothingSecretWritten();
  });

  it("a second up changes nothing and a refresh finds no drift, with one list of keys and one of configurations", async () => {
    const up = await engine.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 5 });
    await takeWrites();
    await emulator.clearRequests();
    const refresh = await engine.refresh();
    assert.equal(refresh.summary.resourceChanges?.update ?? 0, 0);
    const reads = (await emulator.requests()).filter((r) => r.method === "GET").map((r) => r.path);
    assert.deepEqual(reads.sort(), ["/ai/llm", "/apikeys"], "one list per workspace and kind, whatever N");
    assert.deepEqual(await takeWrites(), []);
  });

  it("rotating the key's secret is one API write; the configurations stay as they are and validate follows", async () => {
    declared.keys.shared = keyArgs(ROTATED_SECRET);
    const result = await engine.up();
    assert.equal(result.summary.resourceChanges?.update, 1);
    assert.equal(result.summary.resourceChanges?.same, 4);
    const [key] = await listedKeys();
    assert.deepEqual(await takeWrites(), [`PUT /apikeys/${key.id}`]);
    // The rotated secret starts with "invalid", which the emulator's provider check refuses.
    for (const config of await listedConfigs()) assert.equal(await validate(config.id), false);
    declared.keys.shared = keyArgs();
    await engine.up();
    assert.deepEqual(await takeWrites(), [`PUT /apikeys/${key.id}`]);
    for (const config of await listedConfigs()) assert.equal(await validate(config.id), true);
    await assertNothingSecretWritten();
  });

  it("switches a configuration from the key to an inline secret and back, in place", async () => {
    const chatId = (await listedConfigs()).find((c) => c.name === "Chat")?.id;
    assert.ok(chatId);
    declared.configs.chat = configArgs("Chat", null);
    let result = await engine.up();
    assert.equal(result.summary.resourceChanges?.update, 1);
    assert.equal(result.summary.resourceChanges?.replace ?? 0, 0);
    assert.deepEqual(await takeWrites(), [`PUT /ai/llm/${chatId}`]);
    let chat = (await listedConfigs()).find((c) => c.id === chatId);
    assert.equal(chat?.apiKeyId, undefined, "inline credentials now");
    assert.equal((await listedKeys())[0].aillm_count, 2);

    declared.configs.chat = configArgs("Chat");
    result = await engine.up();
    assert.equal(result.summary.resourceChanges?.update, 1);
    assert.deepEqual(await takeWrites(), [`PUT /ai/llm/${chatId}`]);
    chat = (await listedConfigs()).find((c) => c.id === chatId);
    assert.equal(chat?.apiKeyId, (await listedKeys())[0].id);
    await assertNothingSecretWritten();
  });

  it("refresh sees a key changed outside Pulumi (the new access key stays secret), and up puts it back", async () => {
    const [key] = await listedKeys();
    const changed = await emulator.api("PUT", `/apikeys/${key.id}`, {
      description: "edited by hand",
      key: HAND_KEY,
    });
    assert.equal(changed.status, 200);
    await takeWrites();
    const refresh = await engine.refresh();
    assert.equal(refresh.summary.resourceChanges?.update, 1, "the key drifted");
    const [resource] = await engine.resourcesOfType("pulumi-nodejs:dynamic/flashback:ProviderApiKey");
    assert.equal(resource.outputs?.description, "edited by hand");
    assert.equal(resource.outputs?.aiLlmCount, 3, "refresh reads the current count");
    // Read back from Flashback, and recorded as a secret (the export shows the secret's envelope).
    const recordedKey = resource.outputs?.key as Record<string, unknown>;
    assert.equal(recordedKey["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");
    assert.equal(recordedKey.plaintext, JSON.stringify(HAND_KEY));
    // The access key read by the refresh is kept as a secret, like the declared one it replaced.
    await assertNothingSecretWritten();
    await engine.up();
    assert.deepEqual(await takeWrites(), [`PUT /apikeys/${key.id}`]);
    assert.equal((await listedKeys())[0].description, "OpenAI, shared");
    assert.equal((await listedKeys())[0].key, KEY_ID_VALUE, "the declared access key is back");
  });

  it("destroy fails on a key still used outside the stack, naming the configuration, and keeps it", async () => {
    const [key] = await listedKeys();
    const outside = await emulator.api("POST", "/ai/llm", {
      name: "Made by hand",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      apiKeyUuid: key.id,
      workspaceId: WORKSPACE,
    });
    assert.equal(outside.status, 200);
    const outsideId = (outside.body as { aiLlmId: string }).aiLlmId;
    await takeWrites();
    await assert.rejects(engine.destroy(), (error: Error) => {
      assert.match(error.message, /cannot delete stored provider key "OpenAI, shared"/);
      assert.match(error.message, /Made by hand/);
      return true;
    });
    const writes = await takeWrites();
    const keyDelete = writes.indexOf(`DELETE /apikeys/${key.id}`);
    assert.ok(keyDelete >= 0, "the key's delete was tried");
    assert.equal(writes.filter((w) => w.startsWith("DELETE /ai/llm/")).length, 3);
    assert.ok(
      writes.slice(keyDelete).every((w) => !w.startsWith("DELETE /ai/llm/")),
      `configurations are deleted before the key they use: ${writes.join(", ")}`,
    );
    assert.equal((await listedKeys()).length, 1, "the key is still there");
    const [resource] = await engine.resourcesOfType("pulumi-nodejs:dynamic/flashback:ProviderApiKey");
    assert.equal(resource.id, key.id, "and still in the state");

    assert.equal((await emulator.api("DELETE", `/ai/llm/${outsideId}`)).status, 200);
    await engine.destroy();
    assert.deepEqual(await listedKeys(), []);
    assert.deepEqual(await listedConfigs(), []);
    await assertNothingSecretWritten();
  });

  it("a key create whose answer is lost leaves one key, and the configurations use it", async () => {
    await engine.stack.setConfig("flashback:requestTimeoutMs", { value: "1500" });
    await emulator.fault({ method: "POST", pathPrefix: "/apikeys", action: "drop-after", count: 1 });
    declared = { keys: { shared: keyArgs() }, configs: { chat: configArgs("Chat") } };
    await engine.up();
    const keys = await listedKeys();
    assert.equal(keys.length, 1, "no twin");
    assert.equal((await listedConfigs())[0].apiKeyId, keys[0].id);
    const posts = (await takeWrites()).filter((w) => w === "POST /apikeys");
    assert.equal(posts.length, 1, "found by description, not sent again");

    await emulator.fault({ method: "POST", pathPrefix: "/apikeys", action: "drop-before", count: 1 });
    declared = { keys: { other: { ...keyArgs(), description: "Second" } }, configs: {} };
    await engine.up();
    assert.deepEqual(
      (await listedKeys()).map((k) => k.description),
      ["Second"],
      "the first key was deleted with its configuration; the second was sent again once and made once",
    );
    await engine.destroy();
    await engine.stack.removeConfig("flashback:requestTimeoutMs");
  });
});
