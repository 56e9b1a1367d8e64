import assert from "node:assert/strict";
import { createServer } from "node:net";
import { FlashbackClient, isFlashbackError } from "../../src/client";
import { CredentialFallbackApi } from "../../src/provider/credentialFallback";
import type { ProviderSettings } from "../../src/provider/settings";
import { withEmulator } from "../../support/emulator";

/*
 * The provider's move from a rejected credential to the next one, against the emulator:
 * a 401 sends the call again with the next set, once, and later calls start there.
 */

const STALE = "stale-token-5d1e";
const CURRENT = "current-token-8a2f";

describe("provider: credential fallback on 401", () => {
  const emu = withEmulator({ tokens: [{ token: CURRENT, workspaces: ["ws-1"] }] });
  const clients: FlashbackClient[] = [];
  const factory = (settings: ProviderSettings) => {
    const client = new FlashbackClient({
      baseUrl: settings.apiUrl,
      accessToken: settings.token,
      maxRetries: 0,
    });
    clients.push(client);
    return client;
  };
  const settings = (token: string): ProviderSettings => ({ apiUrl: emu.url, token });

  beforeEach(() => emu.reset().then(() => emu.seed({ tokens: [{ token: CURRENT, workspaces: ["ws-1"] }] })));
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients.length = 0;
  });

  it("sends a rejected call again with the environment's token, and starts there afterwards", async () => {
    const api = new CredentialFallbackApi(
      [
        { settings: settings(STALE), source: "stack configuration" },
        { settings: settings(CURRENT), source: "environment" },
      ],
      factory,
    );
    const created = await api.createAiLlm({
      name: "one",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      secret: "sk-fallback",
      workspaceId: "ws-1",
    });
    assert.ok(created.aiLlmId);
    assert.equal((await api.listAiLlms("ws-1")).length, 1);
    const log = (await emu.requests()).map((r) => `${r.method} ${r.path} ${r.status}`);
    assert.deepEqual(log, ["POST /ai/llm 401", "POST /ai/llm 200", "GET /ai/llm 200"]);
    assert.equal((await emu.state()).aiLlms.length, 1, "the create was applied once");
  });

  it("concurrent calls rejected together advance once and all succeed", async () => {
    const api = new CredentialFallbackApi(
      [
        { settings: settings(STALE), source: "stack configuration" },
        { settings: settings(CURRENT), source: "environment" },
      ],
      factory,
    );
    await Promise.all([1, 2, 3, 4].map(() => api.listAiLlms("ws-1")));
    assert.equal(clients.length, 2, "one client per credential set");
  });

  it("when every credential is rejected, says which were tried and what to run, without quoting one", async () => {
    const api = new CredentialFallbackApi(
      [
        { settings: settings(STALE), source: "stack configuration" },
        { settings: settings("other-stale-7c3b"), source: "environment" },
      ],
      factory,
    );
    const error = await api.listAiLlms("ws-1").then(
      () => assert.fail("expected a 401"),
      (e: unknown) => e,
    );
    assert.ok(isFlashbackError(error) && error.code === "UNAUTHORIZED");
    const message = (error as Error).message;
    assert.match(message, /failed with 401/);
    assert.match(message, /flashback:token \(stack configuration\), then FLASHBACK_TOKEN \(environment\)/);
    assert.match(message, /--run-program/);
    assert.ok(!message.includes(STALE) && !message.includes("other-stale-7c3b"), message);
  });

  it("with one credential set, a 401 fails at once (no second client)", async () => {
    const api = new CredentialFallbackApi([{ settings: settings(STALE), source: "environment" }], factory);
    await assert.rejects(api.listAiLlms("ws-1"), /FLASHBACK_TOKEN \(environment\)/);
    assert.equal(clients.length, 1);
  });

  describe("an API URL that moved", () => {
    let closedUrl: string;
    before(async () => {
      // A port that was just free and is closed again: connecting is refused.
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as { port: number };
      await new Promise<void>((resolve) => server.close(() => resolve()));
      closedUrl = `http://127.0.0.1:${port}`;
    });

    it("a refused connection to the recorded URL moves to the environment's URL, and the create lands once", async () => {
      const api = new CredentialFallbackApi(
        [
          { settings: { apiUrl: closedUrl, token: CURRENT }, source: "stack configuration" },
          { settings: settings(CURRENT), source: "environment" },
        ],
        factory,
      );
      const created = await api.createAiLlm({
        name: "moved",
        aiType: "OPENAI",
        endpoint: "https://api.openai.com/v1",
        secret: "sk-moved",
        workspaceId: "ws-1",
      });
      assert.ok(created.aiLlmId);
      await api.listAiLlms("ws-1");
      const log = (await emu.requests()).map((r) => `${r.method} ${r.path} ${r.status}`);
      assert.deepEqual(log, ["POST /ai/llm 200", "GET /ai/llm 200"], "later calls start at the new URL");
      assert.equal(clients.length, 2);
    });

    it("a refused connection is not retried elsewhere when the next set names the same URL", async () => {
      const api = new CredentialFallbackApi(
        [
          { settings: { apiUrl: closedUrl, token: STALE }, source: "stack configuration" },
          { settings: { apiUrl: closedUrl, token: CURRENT }, source: "environment" },
        ],
        factory,
      );
      await assert.rejects(
        api.listAiLlms("ws-1"),
        (e: unknown) => isFlashbackError(e) && e.code === "NETWORK",
      );
      assert.equal(clients.length, 1, "no second client for the same unreachable URL");
    });
  });
});
