import assert from "node:assert/strict";
import { FlashbackUnauthorizedError, type FlashbackClient } from "../../src/client";
import { CONFIG, FakeClock, flashbackFailure, testClient } from "../../support/clientHelpers";
import {
  EMPTY_LIST,
  startScriptedServer,
  type RecordedRequest,
  type ScriptedServer,
  type Step,
} from "../../support/scriptedServer";

const unauthorized: Step = { status: 401, body: { success: false, message: "invalid or expired token" } };

/** A refresh endpoint that hands out access-1, access-2, ... and rotates the refresh token each time. */
function rotatingRefresh(options: { lifetimeMs?: number; delayMs?: number } = {}) {
  return (request: RecordedRequest, index: number): Step => {
    const sent = (JSON.parse(request.body) as { refresh_token: string }).refresh_token;
    const expected = `refresh-${index}`;
    if (sent !== expected)
      return { status: 401, body: { success: false, message: `unknown refresh token ${sent}` } };
    return {
      status: 200,
      delayMs: options.delayMs,
      body: {
        success: true,
        accessToken: `access-${index + 1}`,
        refreshToken: `refresh-${index + 1}`,
        expiresAt: Date.now() + (options.lifetimeMs ?? 3_600_000),
      },
    };
  };
}

/** An API route that accepts only the given bearer tokens. */
function guarded(valid: (token: string) => boolean, ok: Step = EMPTY_LIST) {
  return (request: RecordedRequest): Step => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "";
    return valid(token) ? ok : unauthorized;
  };
}

describe("FlashbackClient authentication (scripted server)", () => {
  let server: ScriptedServer | undefined;
  let client: FlashbackClient | undefined;

  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  it("with only a refresh token, exchanges it before the first call", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": rotatingRefresh(),
      "GET /ai/llm": guarded((t) => t === "access-1"),
    });
    ({ client } = testClient(server.url, { accessToken: undefined, refreshToken: "refresh-0" }));
    assert.deepEqual(await client.listAiLlms(), []);
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.path}`),
      ["POST /user/refresh", "GET /ai/llm"],
    );
    const refresh = server.requests[0]!;
    assert.equal(refresh.headers.authorization, undefined);
    assert.equal(refresh.headers["content-type"], "application/json");
    // The official client's field, and the documented one beside it.
    assert.deepEqual(JSON.parse(refresh.body), { refresh_token: "refresh-0", refreshToken: "refresh-0" });
  });

  it("reads the new access token from `token` when the answer has no `accessToken`", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": [{ status: 200, body: { success: true, token: "access-from-token" } }],
      "GET /ai/llm": guarded((t) => t === "access-from-token"),
    });
    ({ client } = testClient(server.url, { accessToken: undefined, refreshToken: "refresh-0" }));
    assert.deepEqual(await client.listAiLlms(), []);
  });

  it("refuses a successful refresh answer that carries no access token under either name", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": [{ status: 200, body: { success: true, refreshToken: "r" } }],
    });
    ({ client } = testClient(server.url, { accessToken: undefined, refreshToken: "refresh-0" }));
    await assert.rejects(client.listAiLlms(), (error: Error & { code?: string }) => {
      assert.equal(error.code, "BAD_RESPONSE");
      return true;
    });
  });

  it("on a 401 refreshes exactly once and resends, outside the retry budget", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": rotatingRefresh(),
      "GET /ai/llm": guarded((t) => t === "access-1", {
        status: 200,
        body: { success: true, aiLlms: [CONFIG] },
      }),
    });
    let events;
    ({ client, events } = testClient(server.url, {
      accessToken: "stale",
      refreshToken: "refresh-0",
      maxRetries: 0,
    }));
    const list = await client.listAiLlms();
    assert.equal(list[0]!.id, "cfg-1");
    assert.equal(server.count("POST /user/refresh"), 1);
    assert.equal(server.count("GET /ai/llm"), 2);
    assert.deepEqual(
      events.map((e) => [e.path, e.attempt, e.status]),
      [
        ["/ai/llm", 1, 401],
        ["/user/refresh", 1, 200],
        ["/ai/llm", 2, 200],
      ],
    );
  });

  it("a second 401 after the refresh is UNAUTHORIZED (no loop)", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": rotatingRefresh(),
      "GET /ai/llm": [unauthorized],
    });
    ({ client } = testClient(server.url, { accessToken: "stale", refreshToken: "refresh-0" }));
    const error = await flashbackFailure(client.listAiLlms());
    assert.ok(error instanceof FlashbackUnauthorizedError);
    assert.equal(error.status, 401);
    assert.match(error.message, /check that the refreshToken/);
    assert.doesNotMatch(error.message, /flashback:|FLASHBACK_/);
    assert.equal(server.count("POST /user/refresh"), 1);
    assert.equal(server.count("GET /ai/llm"), 2);
  });

  it("a 401 with only an access token names the client's own options, not Pulumi settings", async () => {
    server = await startScriptedServer({ "GET /ai/llm": [unauthorized] });
    ({ client } = testClient(server.url));
    const error = await flashbackFailure(client.listAiLlms());
    assert.equal(error.code, "UNAUTHORIZED");
    assert.match(error.message, /^Flashback API GET \/ai\/llm failed with 401: invalid or expired token\./);
    assert.match(error.message, /pass a valid accessToken \(or a refreshToken/);
    assert.doesNotMatch(error.message, /flashback:|FLASHBACK_/);
    assert.match(error.message, /missing, expired or unknown/);
    assert.equal(server.count(), 1);
  });

  it("a rejected refresh token is UNAUTHORIZED naming the refreshToken option, without echoing it", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": [
        { status: 401, body: { success: false, message: "refresh token refresh-0 revoked" } },
      ],
    });
    ({ client } = testClient(server.url, { accessToken: undefined, refreshToken: "refresh-0" }));
    const error = await flashbackFailure(client.listAiLlms());
    assert.ok(error instanceof FlashbackUnauthorizedError);
    assert.equal(error.path, "/user/refresh");
    assert.match(error.message, /refresh token was rejected/);
    assert.match(error.message, /pass a valid refreshToken/);
    assert.doesNotMatch(error.message, /flashback:|FLASHBACK_/);
    assert.ok(!error.message.includes("refresh-0"));
    assert.equal(error.apiMessage, "refresh token [redacted] revoked");
    assert.equal(server.count("GET /ai/llm"), 0);
  });

  it("renews the access token before it expires (on a fake clock)", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": rotatingRefresh({ lifetimeMs: 60_000 }),
      "GET /ai/llm": guarded((t) => t.startsWith("access-")),
    });
    const clock = new FakeClock();
    ({ client } = testClient(server.url, { accessToken: undefined, refreshToken: "refresh-0", clock }));
    await client.listAiLlms();
    clock.advance(30_000);
    await client.listAiLlms(); // half of the 60 s lifetime left: still fresh, no refresh
    assert.equal(server.count("POST /user/refresh"), 1);
    // Renewal starts once less than a quarter of the lifetime is left.
    clock.advance(20_000);
    await client.listAiLlms();
    assert.equal(server.count("POST /user/refresh"), 2);
    const gets = server.requests.filter((r) => r.path === "/ai/llm");
    assert.deepEqual(
      gets.map((r) => r.headers.authorization),
      ["Bearer access-1", "Bearer access-1", "Bearer access-2"],
    );
    // The rotated refresh token was used for the second exchange.
    assert.deepEqual(JSON.parse(server.requests.filter((r) => r.path === "/user/refresh")[1]!.body), {
      refresh_token: "refresh-1",
      refreshToken: "refresh-1",
    });
  });

  it("reads expiresAt in epoch seconds as well", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": [
        {
          status: 200,
          body: { success: true, accessToken: "a", expiresAt: Math.floor(Date.now() / 1000) + 3600 },
        },
      ],
      "GET /ai/llm": [EMPTY_LIST],
    });
    ({ client } = testClient(server.url, { accessToken: undefined, refreshToken: "r" }));
    await client.listAiLlms();
    await client.listAiLlms();
    assert.equal(server.count("POST /user/refresh"), 1);
  });

  it("five concurrent calls share one refresh", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": rotatingRefresh({ delayMs: 50 }),
      "GET /ai/llm": guarded((t) => t === "access-1"),
    });
    ({ client } = testClient(server.url, { accessToken: undefined, refreshToken: "refresh-0" }));
    const c = client;
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => c.listAiLlms()));
    assert.equal(results.length, 5);
    assert.equal(server.count("POST /user/refresh"), 1);
    assert.equal(server.count("GET /ai/llm"), 5);
  });

  it("five concurrent 401s share one refresh", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": rotatingRefresh({ delayMs: 30 }),
      "GET /ai/llm": guarded((t) => t === "access-1"),
    });
    ({ client } = testClient(server.url, { accessToken: "stale", refreshToken: "refresh-0" }));
    const c = client;
    await Promise.all([1, 2, 3, 4, 5].map(() => c.listAiLlms()));
    assert.equal(server.count("POST /user/refresh"), 1);
    assert.equal(server.count("GET /ai/llm"), 10);
  });

  it("refreshAccessToken() exchanges on demand and keeps the rotated refresh token", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": rotatingRefresh(),
      "GET /ai/llm": guarded((t) => t === "access-2"),
    });
    ({ client } = testClient(server.url, { accessToken: "given", refreshToken: "refresh-0" }));
    await client.refreshAccessToken();
    await client.refreshAccessToken();
    await client.listAiLlms();
    assert.deepEqual(
      server.requests.map((r) =>
        r.path === "/user/refresh" ? JSON.parse(r.body).refreshToken : r.headers.authorization,
      ),
      ["refresh-0", "refresh-1", "Bearer access-2"],
    );
  });

  it("refreshAccessToken() without a refresh token is UNAUTHORIZED and sends nothing", async () => {
    server = await startScriptedServer({});
    ({ client } = testClient(server.url));
    const error = await flashbackFailure(client.refreshAccessToken());
    assert.equal(error.code, "UNAUTHORIZED");
    assert.match(error.message, /pass the refreshToken option/);
    assert.equal(server.count(), 0);
  });

  it("a refresh answered 503 is retried", async () => {
    server = await startScriptedServer({
      "POST /user/refresh": [
        { status: 503, body: { success: false } },
        { status: 200, body: { success: true, accessToken: "a" } },
      ],
      "GET /ai/llm": [EMPTY_LIST],
    });
    ({ client } = testClient(server.url, { accessToken: undefined, refreshToken: "r" }));
    await client.listAiLlms();
    assert.equal(server.count("POST /user/refresh"), 2);
  });
});
