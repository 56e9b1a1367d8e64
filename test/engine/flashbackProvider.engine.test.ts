import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { installedPackage } from "../../support/installedPackage";
import { EmulatorHandle } from "../../support/emulator";
import { EngineStack, ensurePulumiRoot } from "../../support/engine";

const { AiLlmConfig, FlashbackProvider } = installedPackage();

/*
 * Two Flashback accounts in one stack: the default provider (stack config) talks to
 * one emulator, an explicit FlashbackProvider to another, each with its own token and
 * workspace. Each configuration must land in its own account, through up, refresh and
 * destroy; the explicit provider's token is passed as a plain string and must still
 * never be written in plain text.
 */

const TOKEN_A = `acct-a-${randomBytes(12).toString("hex")}`;
const TOKEN_B = `acct-b-${randomBytes(12).toString("hex")}`;
const SECRET = `sk-two-${randomBytes(12).toString("hex")}`;
const REFRESH_B = `refresh-b-${randomBytes(12).toString("hex")}`;

describe("FlashbackProvider: two accounts in one stack", function () {
  this.timeout(180_000);

  let accountA: EmulatorHandle;
  let accountB: EmulatorHandle;
  let engine: EngineStack;
  /** Arguments of the explicit provider; tests change them. */
  let providerArgs: Record<string, unknown>;

  const program = async () => {
    const partner = new FlashbackProvider("partner", providerArgs as never);
    const own = new AiLlmConfig("own", {
      name: "Own OpenAI",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      secret: SECRET,
      workspaceId: "ws-a",
    });
    const theirs = new AiLlmConfig(
      "theirs",
      {
        name: "Partner Claude",
        aiType: "ANTHROPIC",
        endpoint: "https://api.anthropic.com/v1",
        secret: SECRET,
        workspaceId: "ws-b",
      },
      { provider: partner },
    );
    return { ownOrg: own.orgId, theirsOrg: theirs.orgId };
  };

  before(async () => {
    ensurePulumiRoot();
    accountA = await EmulatorHandle.start({
      tokens: [{ token: TOKEN_A, workspaces: ["ws-a"], orgId: "org-a" }],
    });
    accountB = await EmulatorHandle.start({
      tokens: [{ token: TOKEN_B, workspaces: ["ws-b"], orgId: "org-b" }],
      refreshTokens: [{ refreshToken: REFRESH_B, workspaces: ["ws-b"], orgId: "org-b" }],
    });
    providerArgs = { apiUrl: accountB.url, token: TOKEN_B, requestTimeoutMs: 10_000 };
    engine = await EngineStack.create({
      program,
      config: {
        "flashback:apiUrl": { value: accountA.url },
        "flashback:token": { value: TOKEN_A, secret: true },
      },
    });
  });

  after(async () => {
    await engine?.cleanup();
    await Promise.all([accountA?.close(), accountB?.close()]);
  });

  async function assertNoCredentialWritten(): Promise<void> {
    const written = await engine.everythingWritten();
    for (const [label, value] of Object.entries({ TOKEN_A, TOKEN_B, SECRET, REFRESH_B })) {
      assert.ok(!written.includes(value), `${label} appears in plain text in state, export or output`);
    }
  }

  it("up puts each configuration in its own account", async () => {
    const up = await engine.up();
    const [a, b] = [(await accountA.state()).aiLlms, (await accountB.state()).aiLlms];
    assert.deepEqual(
      a.map((c) => [c.name, c.orgId]),
      [["Own OpenAI", "org-a"]],
    );
    assert.deepEqual(
      b.map((c) => [c.name, c.orgId]),
      [["Partner Claude", "org-b"]],
    );
    assert.equal(up.outputs.ownOrg.value, "org-a");
    assert.equal(up.outputs.theirsOrg.value, "org-b");
    const provider = (await engine.exportState()).deployment.resources?.find((r) =>
      r.urn.endsWith("pulumi:providers:pulumi-nodejs::partner"),
    );
    assert.ok(provider, "the explicit provider is in the state");
    assert.equal(provider.inputs?.["flashback:apiUrl"], accountB.url);
    await assertNoCredentialWritten();
  });

  it("refresh reads each configuration from its own account and shows drift in either", async () => {
    const [theirs] = (await accountB.state()).aiLlms;
    await accountB.api("PUT", `/ai/llm/${theirs.id}`, { name: "Renamed at the partner" }, TOKEN_B);
    await accountA.clearRequests();
    await accountB.clearRequests();
    await engine.refresh();
    const state = await engine.resourcesOfType();
    assert.equal(state.find((r) => r.id === theirs.id)?.outputs?.name, "Renamed at the partner");
    assert.equal((await accountA.requests()).filter((r) => r.method === "GET").length, 1);
    assert.equal((await accountB.requests()).filter((r) => r.method === "GET").length, 1);
    await engine.up();
    assert.equal((await accountB.state()).aiLlms[0].name, "Partner Claude");
    await assertNoCredentialWritten();
  });

  it("a provider without a credential fails at preview, naming the provider and the argument, and writes nothing", async () => {
    const saved = providerArgs;
    providerArgs = { apiUrl: accountB.url };
    try {
      await accountB.clearRequests();
      await assert.rejects(
        engine.preview(),
        /FlashbackProvider "partner": no credential is set: pass token \(an access token\) or refreshToken/,
      );
      assert.deepEqual(await accountB.requests(), []);
    } finally {
      providerArgs = saved;
    }
  });

  it("a refresh token in place of the token (a plain string) serves up and refresh, replaces nothing and is never written", async () => {
    const [before] = (await accountB.state()).aiLlms;
    providerArgs = { apiUrl: accountB.url, refreshToken: REFRESH_B, requestTimeoutMs: 10_000 };
    await accountB.clearRequests();
    await engine.up();
    await engine.refresh();
    const requests = (await accountB.requests()).map((r) => `${r.method} ${r.path}`);
    assert.ok(
      requests.includes("POST /user/refresh"),
      `the refresh token was exchanged: ${requests.join(", ")}`,
    );
    assert.ok(!requests.some((r) => r.startsWith("DELETE")), `nothing was replaced: ${requests.join(", ")}`);
    assert.deepEqual(
      (await accountB.state()).aiLlms.map((c) => c.id),
      [before.id],
    );
    await assertNoCredentialWritten();
  });

  it("destroy empties both accounts", async () => {
    await engine.destroy();
    assert.deepEqual((await accountA.state()).aiLlms, []);
    assert.deepEqual((await accountB.state()).aiLlms, []);
    await assertNoCredentialWritten();
  });
});
