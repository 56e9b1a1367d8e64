import assert from "node:assert/strict";
import {
  FlashbackBadRequestError,
  FlashbackClient,
  FlashbackForbiddenError,
  FlashbackNotFoundError,
  FlashbackOutcomeUnknownError,
  FlashbackUnauthorizedError,
  type AttemptEvent,
  type FlashbackClientOptions,
} from "../../src/client";
import type { CreateAiLlmRequest } from "../../src/schemas";
import { withEmulator } from "../../support/emulator";
import { flashbackFailure } from "../../support/clientHelpers";

const FULL_TOKEN = "client-test-token";
const LIMITED_TOKEN = "client-test-limited";
const REFRESH_TOKEN = "client-test-refresh";

function body(overrides: Partial<CreateAiLlmRequest> = {}): CreateAiLlmRequest {
  return {
    name: "OpenAI prod",
    aiType: "OPENAI",
    endpoint: "https://api.openai.com/v1",
    secret: "sk-proj-emulated",
    workspaceId: "ws-a",
    ...overrides,
  };
}

describe("FlashbackClient against the emulator", () => {
  const emu = withEmulator({
    tokens: [
      { token: FULL_TOKEN, workspaces: ["ws-a", "ws-b"] },
      { token: LIMITED_TOKEN, workspaces: ["ws-a"] },
    ],
    refreshTokens: [{ refreshToken: REFRESH_TOKEN, workspaces: ["ws-a", "ws-b"] }],
  });
  const clients: FlashbackClient[] = [];
  let events: AttemptEvent[] = [];

  function connect(options: Partial<FlashbackClientOptions> = {}): FlashbackClient {
    const client = new FlashbackClient({
      baseUrl: emu.url,
      accessToken: FULL_TOKEN,
      requestTimeoutMs: 2_000,
      deadlineMs: 10_000,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
      onAttempt: (e) => events.push(e),
      ...options,
    });
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    events = [];
    await emu.reset();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it("drives every endpoint: create, list, validate, available, update, stats, delete", async () => {
    const client = connect();
    const { aiLlmId, success } = await client.createAiLlm(body({ key: "access-key" }));
    assert.equal(success, true);
    const other = (
      await client.createAiLlm(body({ name: "Claude", aiType: "ANTHROPIC", workspaceId: "ws-b" }))
    ).aiLlmId;

    const all = await client.listAiLlms();
    assert.deepEqual(all.map((c) => c.id).sort(), [aiLlmId, other].sort());
    const inA = await client.listAiLlms("ws-a");
    assert.deepEqual(
      inA.map((c) => [c.id, c.name, c.workspaceId, c.aiType, c.key]),
      [[aiLlmId, "OpenAI prod", "ws-a", "OPENAI", null]],
    );
    assert.ok(!JSON.stringify(all).includes("sk-proj-emulated"), "the secret never comes back");

    assert.deepEqual(await client.listAvailableAiLlms(), [], "nothing is available before validation");
    const valid = await client.validateAiLlm(aiLlmId);
    assert.equal(valid.success, true);
    assert.deepEqual(
      (await client.listAvailableAiLlms()).map((c) => c.id),
      [aiLlmId],
    );

    const updated = await client.updateAiLlm(aiLlmId, {
      name: "OpenAI renamed",
      endpoint: "https://api.openai.com/v2",
    });
    assert.equal(updated.success, true);
    const [renamed] = await client.listAiLlms("ws-a");
    assert.equal(renamed!.name, "OpenAI renamed");
    assert.equal(renamed!.endpoint, "https://api.openai.com/v2");

    await client.updateAiLlm(aiLlmId, { secret: "invalid-secret" });
    const failed = await client.validateAiLlm(aiLlmId);
    assert.equal(failed.success, false, "a failed check is an answer, not an error");
    assert.equal(typeof failed.message, "string");

    const stats = await client.getAiLlmStats();
    assert.deepEqual(stats.map((s) => s.aiLlmId).sort(), [aiLlmId, other].sort());
    assert.equal(typeof stats[0]!.totalApiCalls, "number");
    const one = await client.getAiLlmStats(aiLlmId);
    assert.deepEqual(
      one.map((s) => s.aiLlmId),
      [aiLlmId],
    );

    assert.equal((await client.deleteAiLlm(aiLlmId)).success, true);
    assert.equal((await client.deleteAiLlm(other)).success, true);
    assert.deepEqual(await client.listAiLlms(), []);
    assert.ok(
      events.every((e) => e.attempt === 1 && e.status === 200),
      JSON.stringify(events),
    );
  });

  it("400 on a duplicate name in the workspace", async () => {
    const client = connect();
    await client.createAiLlm(body());
    const error = await flashbackFailure(client.createAiLlm(body()));
    assert.ok(error instanceof FlashbackBadRequestError);
    assert.equal(error.status, 400);
    assert.match(error.apiMessage ?? "", /already exists/);
    assert.match(error.message, /^Flashback API POST \/ai\/llm failed with 400: .*already exists/);
    assert.equal((await emu.state()).aiLlms.length, 1);
  });

  it("401 on an unknown token, naming the accessToken option", async () => {
    const client = connect({ accessToken: "not-a-known-token" });
    const error = await flashbackFailure(client.listAiLlms());
    assert.ok(error instanceof FlashbackUnauthorizedError);
    assert.equal(error.status, 401);
    assert.match(error.message, /pass a valid accessToken/);
    assert.ok(!error.message.includes("not-a-known-token"));
    assert.equal((await emu.requests()).length, 1);
  });

  it("403 on a workspace the token cannot access", async () => {
    const client = connect({ accessToken: LIMITED_TOKEN });
    const error = await flashbackFailure(client.createAiLlm(body({ workspaceId: "ws-b" })));
    assert.ok(error instanceof FlashbackForbiddenError);
    assert.match(error.apiMessage ?? "", /ws-b/);
    assert.deepEqual((await emu.state()).aiLlms, []);

    const { aiLlmId } = await connect().createAiLlm(body({ workspaceId: "ws-b" }));
    const denied = await flashbackFailure(client.deleteAiLlm(aiLlmId));
    assert.equal(denied.code, "FORBIDDEN");
    assert.deepEqual(await client.listAiLlms(), [], "the list quietly leaves it out");
  });

  it("403 naming the repositories when deleting a configuration in use", async () => {
    const client = connect();
    const { aiLlmId } = await client.createAiLlm(body());
    await emu.seed({ repos: [{ id: "repo-1", name: "checkout-ai", aiLlmId }] });
    const [listed] = await client.listAiLlms("ws-a");
    assert.deepEqual(
      listed!.repos?.map((r) => r.name),
      ["checkout-ai"],
    );
    const error = await flashbackFailure(client.deleteAiLlm(aiLlmId));
    assert.ok(error instanceof FlashbackForbiddenError);
    assert.match(error.message, /in use by repositories: checkout-ai/);
    assert.equal((await emu.state()).aiLlms.length, 1);
  });

  it("404 on unknown ids, for update, delete and validate", async () => {
    const client = connect();
    for (const call of [
      client.updateAiLlm("no-such-id", { name: "x" }),
      client.deleteAiLlm("no-such-id"),
      client.validateAiLlm("no-such-id"),
    ]) {
      const error = await flashbackFailure(call);
      assert.ok(error instanceof FlashbackNotFoundError);
      assert.equal(error.status, 404);
    }
    assert.equal((await emu.requests()).length, 3, "a 404 is not retried");
  });

  it("refresh-token flow: exchanged first, renewed after the access token expires", async () => {
    await emu.seed({ accessTokenTtlSeconds: 1 });
    // The emulator floors expiresAt to whole seconds; starting early in a second keeps the
    // first token's remaining life well above the renewal margin during the first calls.
    while (Date.now() % 1000 > 300) await new Promise((resolve) => setTimeout(resolve, 20));
    const client = connect({ accessToken: undefined, refreshToken: REFRESH_TOKEN });
    await client.createAiLlm(body());
    assert.equal((await client.listAiLlms()).length, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await client.listAiLlms("ws-a")).length, 1);

    const log = await emu.requests();
    assert.deepEqual(
      log.map((r) => `${r.method} ${r.path} ${r.status}`),
      [
        "POST /user/refresh 200",
        "POST /ai/llm 200",
        "GET /ai/llm 200",
        "POST /user/refresh 200",
        "GET /ai/llm 200",
      ],
    );
  });

  it("refresh-token flow: a rejected access token is refreshed once and resent", async () => {
    const client = connect({ accessToken: "stale-token", refreshToken: REFRESH_TOKEN });
    assert.deepEqual(await client.listAiLlms(), []);
    assert.deepEqual(
      (await emu.requests()).map((r) => `${r.method} ${r.path} ${r.status}`),
      ["GET /ai/llm 401", "POST /user/refresh 200", "GET /ai/llm 200"],
    );
  });

  it("a rejected refresh token is UNAUTHORIZED naming the refreshToken option", async () => {
    const client = connect({ accessToken: undefined, refreshToken: "revoked-refresh-token" });
    const error = await flashbackFailure(client.listAiLlms());
    assert.ok(error instanceof FlashbackUnauthorizedError);
    assert.match(error.message, /pass a valid refreshToken/);
    assert.ok(!error.message.includes("revoked-refresh-token"));
  });

  it("a lost create answer is OUTCOME_UNKNOWN, with exactly one configuration created", async () => {
    await emu.fault({ method: "POST", pathPrefix: "/ai/llm", action: "drop-after", count: 1 });
    const client = connect();
    const error = await flashbackFailure(client.createAiLlm(body({ name: "lost-answer" })));
    assert.ok(error instanceof FlashbackOutcomeUnknownError);
    assert.match(error.message, /may or may not have been applied/);

    const { aiLlms } = await emu.state();
    assert.deepEqual(
      aiLlms.map((c) => c.name),
      ["lost-answer"],
    );
    assert.deepEqual(
      (await emu.requests()).map((r) => `${r.method} ${r.path} ${r.status}`),
      ["POST /ai/llm 0"],
    );
    // What the message tells the caller to do: look it up by name in its workspace.
    const found = (await client.listAiLlms("ws-a")).find((c) => c.name === "lost-answer");
    assert.equal(found?.id, aiLlms[0]!.id);
  });

  it("a 429 with Retry-After: 1 is waited out, then succeeds", async () => {
    await emu.fault({
      method: "GET",
      pathPrefix: "/ai/llm",
      action: "status",
      status: 429,
      retryAfter: 1,
      count: 1,
    });
    const client = connect();
    const started = Date.now();
    assert.deepEqual(await client.listAiLlms(), []);
    assert.ok(Date.now() - started >= 950, "waited for Retry-After");
    assert.deepEqual(
      (await emu.requests()).map((r) => `${r.method} ${r.path} ${r.status}`),
      ["GET /ai/llm 429", "GET /ai/llm 200"],
    );
    assert.deepEqual(
      events.map((e) => [e.attempt, e.status]),
      [
        [1, 429],
        [2, 200],
      ],
    );
  });

  it("a create refused with 503 twice is resent and applied once", async () => {
    await emu.fault({ method: "POST", pathPrefix: "/ai/llm", action: "status", status: 503, count: 2 });
    const client = connect();
    const { aiLlmId } = await client.createAiLlm(body());
    assert.deepEqual(
      (await emu.state()).aiLlms.map((c) => c.id),
      [aiLlmId],
    );
    assert.deepEqual(
      (await emu.requests()).map((r) => r.status),
      [503, 503, 200],
    );
  });

  it("a GET whose connection is dropped is resent", async () => {
    await emu.fault({ method: "GET", pathPrefix: "/ai/llm", action: "drop-before", count: 1 });
    const client = connect();
    assert.deepEqual(await client.listAiLlms(), []);
    assert.deepEqual(
      (await emu.requests()).map((r) => r.status),
      [0, 200],
    );
  });
});
