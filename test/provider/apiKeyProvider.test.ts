import assert from "node:assert/strict";
import type { FlashbackClient } from "../../src/client";
import { ProviderApiKeyProvider } from "../../src/provider";
import type { ProviderApiKeyInputs, ProviderApiKeyOutputs } from "../../src/provider/apiKey/fields";
import { withEmulator } from "../../support/emulator";
import { recordingClientFactory, type RecordedCall } from "../../support/recordingClient";

/*
 * The stored-key provider's methods called directly, with the real client against the
 * emulator on loopback; a recording wrapper notes the client calls and their bodies.
 */

const TOKEN = "key-provider-test-token";
const SECRET = "sk-stored-provider-test";

describe("ProviderApiKeyProvider against the emulator", function () {
  this.timeout(30_000);
  const emulator = withEmulator({ tokens: [{ token: TOKEN, workspaces: ["ws-1", "ws-2"] }] });
  let calls: RecordedCall[];
  let clients: FlashbackClient[];
  let warnings: string[];

  async function configured(): Promise<ProviderApiKeyProvider> {
    const provider = new ProviderApiKeyProvider({
      listCache: { gatherMs: 5 },
      warn: (message) => warnings.push(message),
      clientFactory: (settings) => recordingClientFactory(calls, clients)(settings),
    });
    const config: Record<string, string> = {
      "flashback:apiUrl": emulator.url,
      "flashback:token": TOKEN,
      "flashback:requestTimeoutMs": "1000",
    };
    await provider.configure({ config: { get: (k) => config[k], require: (k) => config[k] } });
    return provider;
  }

  function inputs(overrides: Partial<ProviderApiKeyInputs> = {}): ProviderApiKeyInputs {
    return {
      provider: "OPENAI",
      key: "org-1",
      secret: SECRET,
      workspaceId: "ws-1",
      description: "shared",
      ...overrides,
    };
  }

  /** A create's id and outputs (the provider always returns outputs). */
  async function create(
    provider: ProviderApiKeyProvider,
    args: ProviderApiKeyInputs,
  ): Promise<{ id: string; outs: ProviderApiKeyOutputs }> {
    const { id, outs } = await provider.create(args);
    assert.ok(outs);
    return { id, outs };
  }

  const callsOf = (method: string) => calls.filter((c) => c.method === method);

  async function liveKeys(workspaceId = "ws-1") {
    const answer = await emulator.api("GET", `/apikeys?workspaceId=${workspaceId}`);
    return (answer.body as { apiKeys: Array<Record<string, unknown> & { id: string }> }).apiKeys;
  }

  beforeEach(async () => {
    calls = [];
    clients = [];
    warnings = [];
    await emulator.reset();
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it("create stores the key and reads back when and how often it is used", async () => {
    const provider = await configured();
    const { id, outs } = await create(provider, inputs({ region: "eu-west-1" }));
    const [live] = await liveKeys();
    assert.equal(live.id, id);
    assert.equal(live.key, "org-1");
    assert.equal(live.region, "eu-west-1");
    assert.equal(outs.apiKeyId, id);
    assert.equal(outs.aiLlmCount, 0);
    assert.equal(outs.createdAt, live.createdAt);
    assert.equal(outs.secret, SECRET, "the secret stays in the outputs (the resource marks it secret)");
    assert.equal(callsOf("createApiKey").length, 1);
  });

  it("a second key with the same description fails and says how to adopt it; adoptExisting takes it over", async () => {
    const provider = await configured();
    const first = await create(provider, inputs());
    await assert.rejects(
      provider.create(inputs({ key: "org-2" })),
      new RegExp(`already exists \\(id ${first.id}\\).*adoptExisting: true`),
    );
    const adopted = await create(provider, inputs({ key: "org-2", adoptExisting: true }));
    assert.equal(adopted.id, first.id);
    assert.equal(adopted.outs.adopted, true);
    const live = await liveKeys();
    assert.equal(live.length, 1);
    assert.equal(live[0].key, "org-2");
    assert.ok(warnings.some((w) => /already existed .* and was adopted/.test(w)));
  });

  for (const action of ["drop-after", "drop-before"] as const) {
    it(`resolves a create whose connection was dropped (${action}) to exactly one key`, async () => {
      const provider = await configured();
      await emulator.fault({ method: "POST", pathPrefix: "/apikeys", count: 1, action });
      const { id } = await create(provider, inputs());
      const live = await liveKeys();
      assert.equal(live.length, 1);
      assert.equal(live[0].id, id);
      assert.equal(callsOf("createApiKey").length, action === "drop-after" ? 1 : 2);
    });
  }

  it("waits for a create slower than the client's timeout instead of making a twin", async () => {
    const provider = await configured();
    await emulator.fault({
      method: "POST",
      pathPrefix: "/apikeys",
      count: 1,
      action: "delay",
      delayMs: 2_500,
    });
    const { id } = await create(provider, inputs());
    const live = await liveKeys();
    assert.deepEqual(
      live.map((k) => k.id),
      [id],
    );
    assert.equal(callsOf("createApiKey").length, 1, "found by description, not sent again");
  });

  it("a rotation sends the secret alone", async () => {
    const provider = await configured();
    const { id, outs } = await create(provider, inputs());
    calls.length = 0;
    const diff = await provider.diff(id, outs, inputs({ secret: "sk-rotated" }));
    assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await provider.update(id, outs, inputs({ secret: "sk-rotated" }));
    assert.ok(updated.outs);
    assert.deepEqual(
      calls.map((c) => [c.method, c.args[1]]),
      [["updateApiKey", { secret: "sk-rotated" }]],
    );
    assert.equal(updated.outs.createdAt, outs.createdAt);
  });

  it("read reports drift in listed fields, keeps the secret, and an empty id when the key is gone", async () => {
    const provider = await configured();
    const { id, outs } = await create(provider, inputs());
    await emulator.api("PUT", `/apikeys/${id}`, { description: "by hand", key: "org-hand" });
    // A refresh runs in a new provider process, with no list kept from the create.
    const read = await (await configured()).read(id, outs);
    assert.equal(read.id, id);
    assert.equal(read.inputs?.description, "by hand");
    assert.equal(read.inputs?.key, "org-hand");
    assert.equal(read.inputs?.secret, SECRET);
    await emulator.api("DELETE", `/apikeys/${id}`);
    assert.deepEqual(await (await configured()).read(id, outs), { id: "" });
  });

  it("delete of a key already gone succeeds; a key still used is refused, naming the configuration", async () => {
    const provider = await configured();
    const { id, outs } = await create(provider, inputs());
    const used = await emulator.api("POST", "/ai/llm", {
      name: "Uses the key",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      apiKeyUuid: id,
      workspaceId: "ws-1",
    });
    assert.equal(used.status, 200);
    await assert.rejects(provider.delete(id, outs), (error: Error) => {
      assert.match(error.message, /cannot delete stored provider key "shared" in workspace "ws-1"/);
      assert.match(error.message, /Uses the key/);
      assert.ok(!error.message.includes(SECRET));
      return true;
    });
    await emulator.api("DELETE", `/ai/llm/${(used.body as { aiLlmId: string }).aiLlmId}`);
    await provider.delete(id, outs);
    await provider.delete(id, outs);
    assert.deepEqual(await liveKeys(), []);
  });
});
