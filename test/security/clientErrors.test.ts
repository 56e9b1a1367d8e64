import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import util from "node:util";
import { FlashbackClient, isFlashbackError, type FlashbackClientOptions } from "../../src/client";
import {
  closedPort,
  startScriptedServer,
  type RecordedRequest,
  type ScriptedServer,
  type Step,
} from "../../support/scriptedServer";

/*
 * A server (a buggy proxy, a verbose backend) may echo whatever it was sent: the
 * Authorization header, the request body with the secret and key in it. The
 * client's errors end up in CD logs, so none of their renderings may hold the
 * token, the refresh token, the secret or the key: not `message`, not
 * `JSON.stringify(err)`, not `util.inspect(err, {depth: 10})` (which shows the
 * cause chain and every own property), not the stack.
 */

const hex = (n: number) => randomBytes(n).toString("hex");
// Characters that JSON escapes or regexes treat specially, so an echo is not found only by luck.
const TOKEN = `tok-${hex(12)}+/=.~`;
const REFRESH = `refresh-${hex(12)}+/=`;
const SECRET = `sk-"quoted"\\back\\slash-ünï-${hex(12)}`;
const KEY = `ak-${hex(12)}-$[.*]`;
const CREDENTIALS = { TOKEN, REFRESH, SECRET, KEY };

/** Every rendering of an error a user or a log may see. */
function renderings(error: unknown): Record<string, string> {
  const e = error as Error & { apiMessage?: unknown; cause?: unknown };
  return {
    message: String(e.message),
    String: String(e),
    stack: String(e.stack),
    json: JSON.stringify(e) ?? "",
    inspect: util.inspect(e, { depth: 10, showHidden: true }),
    apiMessage: String(e.apiMessage),
    cause: util.inspect(e.cause, { depth: 10, showHidden: true }),
  };
}

function assertClean(error: unknown, label: string): void {
  assert.ok(isFlashbackError(error), `${label}: expected a FlashbackError, got ${util.inspect(error)}`);
  for (const [where, text] of Object.entries(renderings(error))) {
    for (const [name, value] of Object.entries(CREDENTIALS)) {
      assert.ok(!text.includes(value), `${label}: the ${name} appears in ${where}:\n${text}`);
    }
  }
}

/** An error answer that echoes everything the request carried, in every field a client may read. */
function echo(status: number, headers: Record<string, string> = {}): (req: RecordedRequest) => Step {
  return (req) => {
    const said = `echo: authorization=${String(req.headers.authorization)} body=${req.body} path=${req.path}`;
    return {
      status,
      headers,
      body: { success: false, message: said, error_message: said, detail: said, request: req.body },
    };
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("the call was expected to fail");
}

/** The calls that carry credentials in their body, and the ones that carry only the token. */
function calls(client: FlashbackClient): Record<string, () => Promise<unknown>> {
  return {
    create: () =>
      client.createAiLlm({
        name: "echoed",
        aiType: "OPENAI",
        endpoint: "https://api.openai.com/v1",
        secret: SECRET,
        key: KEY,
        workspaceId: "ws-1",
      }),
    update: () => client.updateAiLlm("cfg-1", { secret: SECRET, key: KEY }),
    list: () => client.listAiLlms("ws-1"),
    delete: () => client.deleteAiLlm("cfg-1"),
    validate: () => client.validateAiLlm("cfg-1"),
    stats: () => client.getAiLlmStats("cfg-1"),
  };
}

const ROUTES = [
  "POST /ai/llm",
  "GET /ai/llm",
  "PUT /ai/llm/cfg-1",
  "DELETE /ai/llm/cfg-1",
  "POST /ai/llm/cfg-1/validate",
  "GET /ai/llm/stats",
];

describe("security: client errors never hold a credential", function () {
  this.timeout(60_000);
  let server: ScriptedServer | undefined;
  const clients: FlashbackClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
    server = undefined;
  });

  function client(url: string, overrides: Partial<FlashbackClientOptions> = {}): FlashbackClient {
    const c = new FlashbackClient({
      baseUrl: url,
      accessToken: TOKEN,
      requestTimeoutMs: 300,
      deadlineMs: 3_000,
      maxRetries: 1,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
      maxRetryAfterMs: 10,
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  for (const status of [400, 401, 403, 404, 409, 422, 429, 500, 502, 503]) {
    it(`${status} answers that echo the request`, async () => {
      const headers: Record<string, string> = status === 429 || status === 503 ? { "retry-after": "0" } : {};
      server = await startScriptedServer(Object.fromEntries(ROUTES.map((r) => [r, echo(status, headers)])));
      const c = client(server.url);
      for (const [name, call] of Object.entries(calls(c))) {
        const error = await failure(call());
        assertClean(error, `${status} on ${name}`);
        // The echo did reach the error, with the credentials cut out of it.
        assert.match(
          (error as Error).message,
          /echo: authorization=Bearer \[redacted\]/,
          `${status} on ${name}`,
        );
      }
      // The server did see the credentials: the absence above is redaction, not luck.
      const seen = server.requests.map((r) => `${String(r.headers.authorization)} ${r.body}`).join("\n");
      assert.ok(
        seen.includes(TOKEN) && seen.includes(JSON.stringify(SECRET).slice(1, -1)) && seen.includes(KEY),
      );
    });
  }

  it("401s with a refresh token: the exchange and the resent call echo both tokens", async () => {
    server = await startScriptedServer({
      ...Object.fromEntries(ROUTES.map((r) => [r, echo(401)])),
      "POST /user/refresh": echo(401),
    });
    const c = client(server.url, { refreshToken: REFRESH });
    for (const [name, call] of Object.entries(calls(c)))
      assertClean(await failure(call()), `401 + refresh on ${name}`);
    assertClean(await failure(c.refreshAccessToken()), "refreshAccessToken");
    assert.ok(
      server.requests.some((r) => r.body.includes(REFRESH)),
      "the refresh token was sent",
    );
  });

  it("a refresh answered 200 success:false, echoing the refresh token", async () => {
    // Without an access token the answer is a bad response (no message is kept); with one,
    // the client reads `success:false` and quotes the message: both must stay clean.
    for (const extra of [{}, { accessToken: "ignored" }]) {
      server = await startScriptedServer({
        "POST /user/refresh": (req) => ({
          status: 200,
          body: { success: false, ...extra, message: `bad token ${req.body}` },
        }),
      });
      const c = client(server.url, { accessToken: undefined, refreshToken: REFRESH });
      const error = await failure(c.listAiLlms());
      assertClean(error, `refused refresh ${JSON.stringify(extra)}`);
      if ("accessToken" in extra) assert.match((error as Error).message, /bad token .*\[redacted\]/);
      await Promise.all(clients.splice(0).map((x) => x.close()));
      await server.close();
      server = undefined;
    }
  });

  it("2xx answers that are not the documented shape, echoing the request", async () => {
    const odd: Array<(req: RecordedRequest) => Step> = [
      (req) => ({
        status: 200,
        body: { success: false, message: `no: ${req.body} ${String(req.headers.authorization)}` },
      }),
      (req) => ({ status: 200, body: { success: true, aiLlmId: 42, aiLlms: "x", stats: 1, echo: req.body } }),
      (req) => ({ status: 200, headers: { "content-type": "text/html" }, body: `<h1>${req.body}</h1>` }),
      (req) => ({ status: 200, body: `{"broken": "${String(req.headers.authorization)}` }),
      (req) => ({
        status: 302,
        headers: { location: `https://elsewhere.example/${req.body}` },
        body: req.body,
      }),
    ];
    for (const [i, step] of odd.entries()) {
      server = await startScriptedServer(Object.fromEntries(ROUTES.map((r) => [r, step])));
      const c = client(server.url, { maxRetries: 0 });
      for (const [name, call] of Object.entries(calls(c))) {
        const outcome = await call().then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        if ("error" in outcome) assertClean(outcome.error, `odd answer ${i} on ${name}`);
      }
      await Promise.all(clients.splice(0).map((x) => x.close()));
      await server.close();
      server = undefined;
    }
  });

  it("timeouts (per attempt and per call) and cut connections", async () => {
    const slow: Step = { status: 200, delayMs: 3_000, body: { success: true } };
    for (const [label, step, overrides] of [
      // undici checks its parser timeouts about once a second, so an attempt timeout takes ~1 s.
      ["attempt timeout", slow, { requestTimeoutMs: 100, deadlineMs: 2_500, maxRetries: 0 }],
      ["call deadline", slow, { requestTimeoutMs: 2_000, deadlineMs: 200 }],
      ["connection cut after the body", { action: "destroy-after-body" }, {}],
      ["connection cut before the body", { action: "destroy-before-body" }, {}],
    ] as Array<[string, Step, Partial<FlashbackClientOptions>]>) {
      server = await startScriptedServer(Object.fromEntries(ROUTES.map((r) => [r, [step]])));
      const c = client(server.url, { maxRetries: 1, ...overrides });
      const errors = await Promise.all(
        Object.entries(calls(c)).map(async ([name, call]) => [name, await failure(call())] as const),
      );
      for (const [name, error] of errors) {
        assertClean(error, `${label} on ${name}`);
        const code = (error as { code: string }).code;
        assert.ok(["TIMEOUT", "OUTCOME_UNKNOWN", "NETWORK"].includes(code), `${label} on ${name}: ${code}`);
      }
      await Promise.all(clients.splice(0).map((x) => x.close()));
      await server.close();
      server = undefined;
    }
  });

  it("nothing listening at all (connection refused)", async () => {
    const c = client(`http://127.0.0.1:${await closedPort()}`, { refreshToken: REFRESH });
    for (const [name, call] of Object.entries(calls(c)))
      assertClean(await failure(call()), `refused on ${name}`);
  });

  it("the check itself finds a credential when one is there (positive control)", () => {
    const leaky = Object.assign(new Error(`failed with ${SECRET}`), { code: "BAD_REQUEST" });
    assert.throws(() => {
      for (const [where, text] of Object.entries(renderings(leaky))) {
        if (text.includes(SECRET)) throw new Error(`found in ${where}`);
      }
    }, /found in message/);
    const hidden = Object.assign(new Error("failed"), { details: { nested: { deeper: [KEY] } } });
    assert.ok(renderings(hidden).inspect.includes(KEY), "inspect sees nested own properties");
  });
});
