import assert from "node:assert/strict";
import type { FlashbackClient } from "../../src/client";
import { AiLlmConfigProvider } from "../../src/provider";
import type { AiLlmConfigInputs, AiLlmConfigOutputs } from "../../src/provider/inputs";
import { withEmulator } from "../../support/emulator";
import { recordingClientFactory, type RecordedCall } from "../../support/recordingClient";

/*
 * The provider's methods called directly, with the real client against the
 * emulator on loopback. A recording wrapper notes which client calls were made
 * and with what, so that the bodies the provider sends can be checked exactly.
 */

const TOKEN = "provider-test-token";
const SECRET = "sk-provider-test-secret";

describe("AiLlmConfigProvider against the emulator", function () {
  this.timeout(20_000);
  const emulator = withEmulator({ tokens: [{ token: TOKEN, workspaces: ["ws-1", "ws-2"] }] });
  let calls: RecordedCall[];
  let clients: FlashbackClient[];
  let warnings: string[];

  function newProvider(options: { gatherMs?: number } = {}): AiLlmConfigProvider {
    return new AiLlmConfigProvider({
      listCache: { gatherMs: options.gatherMs ?? 5 },
      warn: (message) => warnings.push(message),
      // Each client is pushed to `clients` only once built, so read the arrays late.
      clientFactory: (settings) => recordingClientFactory(calls, clients)(settings),
    });
  }

  async function configured(options?: { gatherMs?: number }): Promise<AiLlmConfigProvider> {
    const provider = newProvider(options);
    const config: Record<string, string> = {
      "flashback:apiUrl": emulator.url,
      "flashback:token": TOKEN,
      "flashback:requestTimeoutMs": "1000",
    };
    await provider.configure({ config: { get: (k) => config[k], require: (k) => config[k] } });
    return provider;
  }

  function inputs(overrides: Partial<AiLlmConfigInputs> = {}): AiLlmConfigInputs {
    return {
      name: "cfg",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      secret: SECRET,
      workspaceId: "ws-1",
      ...overrides,
    };
  }

  function callsOf(method: string): RecordedCall[] {
    return calls.filter((c) => c.method === method);
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

  describe("configure", () => {
    it("names both ways to set a missing URL and credential, and quotes no credential", async () => {
      const provider = newProvider();
      const saved = { ...process.env };
      delete process.env.FLASHBACK_API_URL;
      delete process.env.FLASHBACK_TOKEN;
      delete process.env.FLASHBACK_REFRESH_TOKEN;
      try {
        await assert.rejects(
          provider.configure({ config: { get: () => undefined, require: () => "" } }),
          (error: Error) => {
            assert.match(error.message, /flashback:apiUrl/);
            assert.match(error.message, /FLASHBACK_API_URL/);
            assert.match(error.message, /flashback:token/);
            assert.match(error.message, /FLASHBACK_TOKEN/);
            return true;
          },
        );
        // The host keeps a provider whose configure failed; later calls repeat the reason.
        await assert.rejects(provider.create(inputs()), /flashback:apiUrl/);
      } finally {
        Object.assign(process.env, saved);
      }
    });

    it("falls back to the environment", async () => {
      const provider = newProvider();
      const saved = { ...process.env };
      process.env.FLASHBACK_API_URL = emulator.url;
      process.env.FLASHBACK_TOKEN = TOKEN;
      try {
        await provider.configure({ config: { get: () => undefined, require: () => "" } });
        const { id } = await provider.create(inputs());
        assert.ok(id);
      } finally {
        process.env = saved;
      }
    });
  });

  describe("create", () => {
    it("creates, and returns the id with Flashback's computed fields", async () => {
      const provider = await configured();
      const { id, outs } = await provider.create(inputs({ key: "k-1" }));
      const [live] = (await emulator.state()).aiLlms;
      assert.equal(id, live.id);
      assert.equal(outs?.aiLlmId, id);
      assert.equal(outs?.orgId, live.orgId);
      assert.equal(outs?.createdAt, live.createdAt);
      assert.deepEqual(outs?.repos, []);
      assert.equal(outs?.secret, SECRET, "kept in outputs so that a rotation can be diffed");
      assert.equal(outs?.validated, undefined, "validation is off by default");
      assert.deepEqual(callsOf("createAiLlm")[0].args[0], {
        name: "cfg",
        aiType: "OPENAI",
        endpoint: "https://api.openai.com/v1",
        key: "k-1",
        secret: SECRET,
        workspaceId: "ws-1",
      });
    });

    it("with validate: warn, records a failed check and leaves the warning to the resource", async () => {
      const provider = await configured();
      const { outs } = await provider.create(inputs({ secret: "invalid-secret", validate: "warn" }));
      assert.equal(outs?.validated, false);
      assert.match(String(outs?.validationMessage), /Validation failed/);
      assert.ok(!String(outs?.validationMessage).includes("invalid-secret"));
      // The resource warns on itself (see the engine test); a provider warning would land on the stack.
      assert.deepEqual(warnings, []);
    });

    it("with validate: require, fails and leaves nothing behind", async () => {
      const provider = await configured();
      await assert.rejects(
        provider.create(inputs({ secret: "invalid-secret", validate: "require" })),
        /failed credential validation.*removed again/s,
      );
      assert.deepEqual((await emulator.state()).aiLlms, []);
    });

    it("fails on a duplicate name with a message that says how to adopt it", async () => {
      const provider = await configured();
      const first = await provider.create(inputs());
      await assert.rejects(provider.create(inputs()), (error: Error) => {
        assert.match(error.message, /already exists \(id [^)]+\)/);
        assert.match(error.message, /adoptExisting: true/);
        assert.ok(error.message.includes(first.id));
        return true;
      });
      assert.equal((await emulator.state()).aiLlms.length, 1);
    });

    it("with adoptExisting, takes over the existing configuration and updates it", async () => {
      const provider = await configured();
      const first = await provider.create(inputs({ endpoint: "https://old.example.com" }));
      const adopted = await provider.create(
        inputs({ aiType: "ANTHROPIC", endpoint: "https://api.anthropic.com", adoptExisting: true }),
      );
      assert.equal(adopted.id, first.id);
      const live = (await emulator.state()).aiLlms;
      assert.equal(live.length, 1);
      assert.equal(live[0].aiType, "ANTHROPIC");
      assert.equal(live[0].endpoint, "https://api.anthropic.com");
    });

    for (const action of ["drop-after", "drop-before"] as const) {
      it(`resolves a create whose connection was dropped (${action}) to exactly one configuration`, async () => {
        const provider = await configured();
        await emulator.fault({ method: "POST", pathPrefix: "/ai/llm", count: 1, action });
        const { id } = await provider.create(inputs());
        const live = (await emulator.state()).aiLlms;
        assert.equal(live.length, 1);
        assert.equal(live[0].id, id);
        // Applied: adopted without a second create. Not applied: sent once more.
        assert.equal(callsOf("createAiLlm").length, action === "drop-after" ? 1 : 2);
      });
    }

    it("waits for a create that is slower than the client's timeout instead of making a twin", async () => {
      const provider = await configured();
      await emulator.fault({
        method: "POST",
        pathPrefix: "/ai/llm",
        count: 1,
        action: "delay",
        delayMs: 2_500,
      });
      const { id } = await provider.create(inputs());
      const live = (await emulator.state()).aiLlms;
      assert.equal(live.length, 1);
      assert.equal(live[0].id, id);
      assert.equal(callsOf("createAiLlm").length, 1, "found by name, not sent again");
    });

    it("names the resource when the API refuses the create", async () => {
      const provider = await configured();
      await assert.rejects(
        provider.create(inputs({ workspaceId: "ws-forbidden" })),
        /creating AI LLM configuration "cfg" in workspace "ws-forbidden" failed: .*403/,
      );
    });
  });

  describe("update", () => {
    it("sends only the changed fields and returns the full outputs", async () => {
      const provider = await configured();
      const { id, outs } = await provider.create(inputs({ key: "k-1" }));
      const olds = outs as AiLlmConfigOutputs;
      const result = await provider.update(id, olds, inputs({ key: "k-1", name: "renamed" }));
      assert.deepEqual(callsOf("updateAiLlm")[0].args, [id, { name: "renamed" }]);
      assert.equal(result.outs?.name, "renamed");
      assert.equal(result.outs?.orgId, olds.orgId);
      assert.equal(result.outs?.createdAt, olds.createdAt);
      assert.equal(result.outs?.secret, SECRET);
      assert.equal((await emulator.state()).aiLlms[0].name, "renamed");
    });

    it("sends a removed key as empty so Flashback drops it", async () => {
      const provider = await configured();
      const { id, outs } = await provider.create(inputs({ key: "k-1" }));
      await provider.update(id, outs as AiLlmConfigOutputs, inputs());
      assert.deepEqual(callsOf("updateAiLlm")[0].args, [id, { key: "" }]);
    });

    it("says to refresh when the configuration is gone", async () => {
      const provider = await configured();
      const { id, outs } = await provider.create(inputs());
      await emulator.api("DELETE", `/ai/llm/${id}`, undefined, TOKEN);
      await assert.rejects(
        provider.update(id, outs as AiLlmConfigOutputs, inputs({ name: "x" })),
        /no longer exists in Flashback\. Run `pulumi refresh`/,
      );
    });
  });

  describe("read", () => {
    it("returns live values as outputs and inputs, and an empty id when gone", async () => {
      const provider = await configured();
      const { id, outs } = await provider.create(inputs());
      await emulator.api("PUT", `/ai/llm/${id}`, { name: "changed by hand" }, TOKEN);
      // A refresh runs in a provider process of its own, as here.
      const refresher = await configured();
      const read = await refresher.read(id, outs as AiLlmConfigOutputs);
      assert.equal(read.id, id);
      assert.equal(read.props?.name, "changed by hand");
      assert.equal(read.inputs?.name, "changed by hand");
      assert.equal(read.props?.secret, SECRET, "secrets cannot be read back and are kept");
      await emulator.api("DELETE", `/ai/llm/${id}`, undefined, TOKEN);
      const fresh = await configured();
      assert.deepEqual(await fresh.read(id, outs as AiLlmConfigOutputs), { id: "" });
    });

    it("reads many configurations of one workspace with one list call", async () => {
      const creator = await configured();
      const created: Awaited<ReturnType<AiLlmConfigProvider["create"]>>[] = [];
      for (let i = 0; i < 20; i++) created.push(await creator.create(inputs({ name: `cfg-${i}` })));
      await emulator.clearRequests();
      const reader = await configured();
      const reads = await Promise.all(created.map((c) => reader.read(c.id, c.outs as AiLlmConfigOutputs)));
      assert.ok(reads.every((r, i) => r.id === created[i].id));
      const lists = (await emulator.requests()).filter((r) => r.method === "GET" && r.path === "/ai/llm");
      assert.equal(lists.length, 1);
    });

    it("sees its own writes: a read after an update lists again", async () => {
      const provider = await configured();
      const { id, outs } = await provider.create(inputs());
      await provider.read(id, outs as AiLlmConfigOutputs);
      await provider.update(id, outs as AiLlmConfigOutputs, inputs({ name: "renamed" }));
      const read = await provider.read(id, outs as AiLlmConfigOutputs);
      assert.equal(read.props?.name, "renamed");
    });
  });

  describe("delete", () => {
    it("treats an already deleted configuration as deleted", async () => {
      const provider = await configured();
      const { id, outs } = await provider.create(inputs());
      await emulator.api("DELETE", `/ai/llm/${id}`, undefined, TOKEN);
      await provider.delete(id, outs as AiLlmConfigOutputs);
    });

    it("names the repositories when a delete is refused because they use it", async () => {
      const provider = await configured();
      const { id, outs } = await provider.create(inputs());
      await emulator.seed({
        repos: [
          { id: "r1", name: "support-bot", aiLlmId: id },
          { id: "r2", name: "search", aiLlmId: id },
        ],
      });
      await assert.rejects(
        provider.delete(id, outs as AiLlmConfigOutputs),
        /cannot delete AI LLM configuration "cfg" in workspace "ws-1" \(id [^)]+\): it is in use by repositories support-bot, search/,
      );
      assert.equal((await emulator.state()).aiLlms.length, 1);
    });
  });
});
