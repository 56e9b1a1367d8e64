import assert from "node:assert/strict";
import {
  FlashbackNetworkError,
  FlashbackOutcomeUnknownError,
  FlashbackRateLimitedError,
  FlashbackServerError,
  FlashbackTimeoutError,
  type FlashbackClient,
} from "../../src/client";
import { CONFIG, FakeClock, flashbackFailure, testClient } from "../../support/clientHelpers";
import {
  closedPort,
  EMPTY_LIST,
  startScriptedServer,
  type ScriptedServer,
} from "../../support/scriptedServer";

const CREATE_BODY = {
  name: "My OpenAI",
  aiType: "OPENAI" as const,
  endpoint: "https://api.openai.com/v1",
  secret: "sk-test",
  workspaceId: "ws-1",
};
const CREATED = { status: 200, body: { success: true, aiLlmId: "cfg-1", message: "created" } };
// undici runs headersTimeout on its coarse timers (about 1 s resolution), so a "slow" answer
// must be slower than that for the timeout to win the race reliably.
const SLOW_MS = 2_500;
const unavailable = { status: 503, body: { success: false, message: "try later" } };

describe("FlashbackClient retries (scripted server)", () => {
  let server: ScriptedServer | undefined;
  let client: FlashbackClient | undefined;

  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  it("waits for Retry-After: 1 on a 429, then succeeds (2 attempts)", async () => {
    server = await startScriptedServer({
      "GET /ai/llm": [
        { status: 429, headers: { "retry-after": "1" }, body: { success: false, message: "slow down" } },
        { status: 200, body: { success: true, aiLlms: [CONFIG] } },
      ],
    });
    let events;
    const clock = new FakeClock();
    ({ client, events } = testClient(server.url, { clock }));
    const list = await client.listAiLlms();
    assert.equal(list.length, 1);
    assert.equal(server.count("GET /ai/llm"), 2);
    assert.deepEqual(clock.sleeps, [1_000], "slept exactly the Retry-After");
    assert.deepEqual(
      events.map((e) => [e.attempt, e.status, e.code]),
      [
        [1, 429, "RATE_LIMITED"],
        [2, 200, undefined],
      ],
    );
  });

  it("rides out a burst of three 503s (4 attempts)", async () => {
    server = await startScriptedServer({
      "GET /ai/llm": [unavailable, unavailable, unavailable, EMPTY_LIST],
    });
    let events;
    ({ client, events } = testClient(server.url));
    assert.deepEqual(await client.listAiLlms(), []);
    assert.equal(server.count("GET /ai/llm"), 4);
    assert.deepEqual(
      events.map((e) => e.status),
      [503, 503, 503, 200],
    );
    assert.ok(events.every((e) => e.method === "GET" && e.path === "/ai/llm" && e.durationMs >= 0));
  });

  it("gives up after maxRetries with a SERVER_ERROR carrying the API message", async () => {
    server = await startScriptedServer({ "GET /ai/llm": [unavailable] });
    ({ client } = testClient(server.url, { maxRetries: 2 }));
    const error = await flashbackFailure(client.listAiLlms());
    assert.ok(error instanceof FlashbackServerError);
    assert.equal(error.status, 503);
    assert.equal(error.apiMessage, "try later");
    assert.match(
      error.message,
      /^Flashback API GET \/ai\/llm failed with 503: try later \(after 3 attempts\)$/,
    );
    assert.equal(server.count(), 3);
  });

  it("resends a GET after the socket is reset, then succeeds", async () => {
    server = await startScriptedServer({ "GET /ai/llm": [{ action: "destroy-before-body" }, EMPTY_LIST] });
    ({ client } = testClient(server.url));
    assert.deepEqual(await client.listAiLlms(), []);
    assert.equal(server.count("GET /ai/llm"), 2);
  });

  it("a GET whose connection keeps breaking ends in NETWORK", async () => {
    server = await startScriptedServer({ "GET /ai/llm": [{ action: "destroy-before-body" }] });
    ({ client } = testClient(server.url, { maxRetries: 2 }));
    const error = await flashbackFailure(client.listAiLlms());
    assert.ok(error instanceof FlashbackNetworkError, error.message);
    assert.match(
      error.message,
      /connection error \((UND_ERR_SOCKET|ECONNRESET)\) reaching http:\/\/127\.0\.0\.1:\d+ \(after 3 attempts\)/,
    );
    assert.equal(server.count(), 3);
  });

  for (const status of [400, 403, 404, 409]) {
    it(`does not retry a ${status}`, async () => {
      server = await startScriptedServer({
        "PUT /ai/llm/cfg-1": [{ status, body: { success: false, message: `no (${status})` } }],
      });
      let events;
      ({ client, events } = testClient(server.url));
      const error = await flashbackFailure(client.updateAiLlm("cfg-1", { name: "x" }));
      assert.equal(error.status, status);
      assert.equal(error.message, `Flashback API PUT /ai/llm/cfg-1 failed with ${status}: no (${status})`);
      assert.equal(server.count(), 1);
      assert.equal(events.length, 1);
    });
  }

  it("a create answered by a dropped socket is OUTCOME_UNKNOWN after exactly 1 attempt", async () => {
    server = await startScriptedServer({ "POST /ai/llm": [{ action: "destroy-after-body" }, CREATED] });
    let events;
    ({ client, events } = testClient(server.url));
    const error = await flashbackFailure(client.createAiLlm(CREATE_BODY));
    assert.ok(error instanceof FlashbackOutcomeUnknownError);
    assert.equal(error.code, "OUTCOME_UNKNOWN");
    assert.match(error.message, /may or may not have been applied/);
    assert.match(error.message, /look the configuration up by name in its workspace/i);
    assert.equal(server.count("POST /ai/llm"), 1);
    assert.deepEqual(
      events.map((e) => e.code),
      ["OUTCOME_UNKNOWN"],
    );
  });

  for (const status of [500, 502, 504]) {
    it(`a create answered ${status} is OUTCOME_UNKNOWN and not resent`, async () => {
      server = await startScriptedServer({
        "POST /ai/llm": [{ status, body: { success: false, message: "boom" } }, CREATED],
      });
      ({ client } = testClient(server.url));
      const error = await flashbackFailure(client.createAiLlm(CREATE_BODY));
      assert.equal(error.code, "OUTCOME_UNKNOWN");
      assert.equal(error.status, status);
      assert.equal(error.apiMessage, "boom");
      assert.equal(server.count(), 1);
    });
  }

  it("a create answered 503 then 200 takes 2 attempts", async () => {
    server = await startScriptedServer({ "POST /ai/llm": [unavailable, CREATED] });
    ({ client } = testClient(server.url));
    const created = await client.createAiLlm(CREATE_BODY);
    assert.equal(created.aiLlmId, "cfg-1");
    assert.equal(server.count("POST /ai/llm"), 2);
    assert.deepEqual(JSON.parse(server.requests[1]!.body), CREATE_BODY);
  });

  it("a create answered 429 is resent", async () => {
    server = await startScriptedServer({
      "POST /ai/llm": [{ status: 429, headers: { "retry-after": "0" }, body: { success: false } }, CREATED],
    });
    ({ client } = testClient(server.url));
    assert.equal((await client.createAiLlm(CREATE_BODY)).aiLlmId, "cfg-1");
    assert.equal(server.count(), 2);
  });

  it("a create whose connection is refused is retried (nothing was sent), then NETWORK naming the URL tried", async () => {
    const port = await closedPort();
    let events;
    ({ client, events } = testClient(`http://127.0.0.1:${port}`, { maxRetries: 2 }));
    const error = await flashbackFailure(client.createAiLlm(CREATE_BODY));
    assert.equal(error.code, "NETWORK");
    assert.match(error.message, new RegExp(`ECONNREFUSED\\) reaching http://127\\.0\\.0\\.1:${port}`));
    assert.equal(events.length, 3);
  });

  it("a create whose answer times out is OUTCOME_UNKNOWN after 1 attempt", async () => {
    server = await startScriptedServer({ "POST /ai/llm": [{ ...CREATED, delayMs: SLOW_MS }] });
    ({ client } = testClient(server.url, { requestTimeoutMs: 100 }));
    const error = await flashbackFailure(client.createAiLlm(CREATE_BODY));
    assert.equal(error.code, "OUTCOME_UNKNOWN");
    assert.match(error.message, /UND_ERR_HEADERS_TIMEOUT/);
    assert.equal(server.count(), 1);
  });

  it("a GET slower than requestTimeoutMs is retried, then TIMEOUT", async () => {
    server = await startScriptedServer({ "GET /ai/llm": [{ ...EMPTY_LIST, delayMs: SLOW_MS }] });
    let events;
    ({ client, events } = testClient(server.url, { requestTimeoutMs: 80, maxRetries: 1 }));
    const error = await flashbackFailure(client.listAiLlms());
    assert.ok(error instanceof FlashbackTimeoutError);
    assert.match(
      error.message,
      /no complete answer within 80 ms \(requestTimeoutMs; UND_ERR_HEADERS_TIMEOUT\) \(after 2 attempts\)/,
    );
    assert.equal(server.count(), 2);
    assert.deepEqual(
      events.map((e) => e.code),
      ["TIMEOUT", "TIMEOUT"],
    );
  });

  it("a slow GET recovers when a later attempt is fast", async () => {
    server = await startScriptedServer({ "GET /ai/llm": [{ ...EMPTY_LIST, delayMs: SLOW_MS }, EMPTY_LIST] });
    ({ client } = testClient(server.url, { requestTimeoutMs: 80 }));
    assert.deepEqual(await client.listAiLlms(), []);
    assert.equal(server.count(), 2);
  });

  describe("deadline", () => {
    it("cuts an attempt that outlives the deadline, naming the deadline", async () => {
      server = await startScriptedServer({ "GET /ai/llm": [{ ...EMPTY_LIST, delayMs: 2_000 }] });
      ({ client } = testClient(server.url, { requestTimeoutMs: 5_000, deadlineMs: 200 }));
      const started = Date.now();
      const error = await flashbackFailure(client.listAiLlms());
      const elapsed = Date.now() - started;
      assert.equal(error.code, "TIMEOUT");
      assert.match(error.message, /deadline of 200 ms/);
      // The server never answers and the attempt timeout is 5 s: only the deadline ends it this soon.
      assert.ok(elapsed >= 190 && elapsed < 3_000, `took ${elapsed} ms`);
    });

    it("stops retrying before the deadline and throws the last error", async () => {
      server = await startScriptedServer({ "GET /ai/llm": [unavailable] });
      const clock = new FakeClock();
      ({ client } = testClient(server.url, {
        deadlineMs: 300,
        maxRetries: 1_000,
        retryBaseDelayMs: 40,
        retryMaxDelayMs: 40,
        clock,
      }));
      const error = await flashbackFailure(client.listAiLlms());
      assert.equal(error.code, "SERVER_ERROR");
      assert.match(error.message, /\(after 8 attempts\); not retried: .*deadline of 300 ms/);
      // Seven sleeps of 40 ms fit in 300 ms; the eighth would end past the deadline.
      assert.deepEqual(clock.sleeps, [40, 40, 40, 40, 40, 40, 40]);
      assert.equal(server.count(), 8);
    });

    it("does not sleep a Retry-After that ends past the deadline", async () => {
      server = await startScriptedServer({
        "GET /ai/llm": [
          { status: 429, headers: { "retry-after": "5" }, body: { success: false, message: "wait" } },
        ],
      });
      const clock = new FakeClock();
      ({ client } = testClient(server.url, { deadlineMs: 1_000, maxRetryAfterMs: 30_000, clock }));
      const error = await flashbackFailure(client.listAiLlms());
      assert.ok(error instanceof FlashbackRateLimitedError);
      assert.equal(error.retryAfterMs, 5_000);
      assert.deepEqual(clock.sleeps, [], "gave up at once instead of sleeping 5 s past the deadline");
      assert.equal(server.count(), 1);
    });

    it("a create cut by the deadline is OUTCOME_UNKNOWN", async () => {
      server = await startScriptedServer({ "POST /ai/llm": [{ ...CREATED, delayMs: 2_000 }] });
      ({ client } = testClient(server.url, { requestTimeoutMs: 5_000, deadlineMs: 150 }));
      const error = await flashbackFailure(client.createAiLlm(CREATE_BODY));
      assert.equal(error.code, "OUTCOME_UNKNOWN");
      assert.match(error.message, /deadline of 150 ms/);
    });
  });
});
