import assert from "node:assert/strict";
import {
  FlashbackBadRequestError,
  FlashbackClient,
  FlashbackForbiddenError,
  FlashbackNotFoundError,
  FlashbackOutcomeUnknownError,
} from "../../src/client";
import type { CreateApiKeyRequest } from "../../src/schemas";
import { withEmulator } from "../../support/emulator";
import { flashbackFailure } from "../../support/clientHelpers";

/*
 * The stored-key calls of FlashbackClient (`/apikeys`) against the emulator: what each
 * returns, what it refuses and how, which failures are retried (the list, update and
 * delete are idempotent; a create is not, so a lost answer is OUTCOME_UNKNOWN), and that
 * no secret comes back or appears in an error.
 */

const TOKEN = "client-apikeys-token";
const SECRET = "sk-stored-client-3f9a";

function keyBody(overrides: Partial<CreateApiKeyRequest> = {}): CreateApiKeyRequest {
  return {
    key: "org-main",
    secret: SECRET,
    provider: "OPENAI",
    workspaceId: "ws-a",
    description: "OpenAI, production",
    ...overrides,
  };
}

describe("FlashbackClient: stored provider keys against the emulator", () => {
  const emu = withEmulator({ tokens: [{ token: TOKEN, workspaces: ["ws-a"] }] });
  const clients: FlashbackClient[] = [];

  function connect(): FlashbackClient {
    const client = new FlashbackClient({
      baseUrl: emu.url,
      accessToken: TOKEN,
      requestTimeoutMs: 2_000,
      deadlineMs: 10_000,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
    });
    clients.push(client);
    return client;
  }

  beforeEach(() => emu.reset().then(() => emu.seed({ tokens: [{ token: TOKEN, workspaces: ["ws-a"] }] })));
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients.length = 0;
  });

  it("create returns the id; the list shows the key and its counts, never the secret", async () => {
    const client = connect();
    const { apiKeyId } = await client.createApiKey(keyBody());
    const listed = await client.listApiKeys({ workspaceId: "ws-a" });
    assert.equal(listed.length, 1);
    assert.equal(listed[0].id, apiKeyId);
    assert.equal(listed[0].description, "OpenAI, production");
    assert.equal(listed[0].aillm_count, 0);
    assert.ok(!JSON.stringify(listed).includes(SECRET), "a listed key carries its secret");
  });

  it("the list filters by provider", async () => {
    const client = connect();
    await client.createApiKey(keyBody());
    await client.createApiKey(keyBody({ provider: "ANTHROPIC", description: "Anthropic" }));
    const anthropic = await client.listApiKeys({ workspaceId: "ws-a", provider: "ANTHROPIC" });
    assert.deepEqual(
      anthropic.map((k) => k.description),
      ["Anthropic"],
    );
  });

  it("update changes the key in place; delete removes it; a second delete is NOT_FOUND", async () => {
    const client = connect();
    const { apiKeyId } = await client.createApiKey(keyBody());
    await client.updateApiKey(apiKeyId, { description: "OpenAI, rotated" });
    assert.equal((await client.listApiKeys({ workspaceId: "ws-a" }))[0].description, "OpenAI, rotated");
    await client.deleteApiKey(apiKeyId);
    assert.deepEqual(await client.listApiKeys({ workspaceId: "ws-a" }), []);
    const again = await flashbackFailure(client.deleteApiKey(apiKeyId));
    assert.ok(again instanceof FlashbackNotFoundError);
  });

  it("a duplicate description is BAD_REQUEST, quoting the description and not the secret", async () => {
    const client = connect();
    await client.createApiKey(keyBody());
    const error = await flashbackFailure(client.createApiKey(keyBody()));
    assert.ok(error instanceof FlashbackBadRequestError);
    assert.match(error.message, /described .OpenAI, production. already exists/);
    assert.ok(!error.message.includes(SECRET));
  });

  it("a workspace the token cannot reach is FORBIDDEN", async () => {
    const error = await flashbackFailure(connect().createApiKey(keyBody({ workspaceId: "ws-other" })));
    assert.ok(error instanceof FlashbackForbiddenError);
  });

  it("deleting a key a configuration uses is FORBIDDEN and names the configuration", async () => {
    const client = connect();
    const { apiKeyId } = await client.createApiKey(keyBody());
    await client.createAiLlm({
      name: "Chat",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      apiKeyUuid: apiKeyId,
      workspaceId: "ws-a",
    });
    const error = await flashbackFailure(client.deleteApiKey(apiKeyId));
    assert.ok(error instanceof FlashbackForbiddenError);
    assert.match(error.message, /Chat/);
    assert.equal((await client.listApiKeys({ workspaceId: "ws-a" }))[0].aillm_count, 1);
  });

  it("a lost create answer is OUTCOME_UNKNOWN and is not resent: exactly one key exists", async () => {
    await emu.fault({ method: "POST", pathPrefix: "/apikeys", action: "drop-after", count: 1 });
    const client = connect();
    const error = await flashbackFailure(client.createApiKey(keyBody()));
    assert.ok(error instanceof FlashbackOutcomeUnknownError);
    assert.equal((await emu.apiKeys()).length, 1);
    assert.deepEqual(
      (await emu.requests()).filter((r) => r.path === "/apikeys").map((r) => `${r.method} ${r.status}`),
      ["POST 0"],
    );
  });

  it("a lost list or update answer is sent again (both are idempotent)", async () => {
    const client = connect();
    const { apiKeyId } = await client.createApiKey(keyBody());
    await emu.clearRequests();
    await emu.fault({ method: "GET", pathPrefix: "/apikeys", action: "drop-after", count: 1 });
    await emu.fault({ method: "PUT", pathPrefix: "/apikeys", action: "drop-after", count: 1 });
    assert.equal((await client.listApiKeys({ workspaceId: "ws-a" })).length, 1);
    await client.updateApiKey(apiKeyId, { description: "after a lost answer" });
    assert.deepEqual(
      (await emu.requests()).map((r) => `${r.method} ${r.status}`),
      ["GET 0", "GET 200", "PUT 0", "PUT 200"],
    );
  });
});
