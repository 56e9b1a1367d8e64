import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { Agent } from "undici";
import { FlashbackBadResponseError, FlashbackClient } from "../../src/client";
import { CONFIG, flashbackFailure, testClient } from "../../support/clientHelpers";
import { EMPTY_LIST, startScriptedServer, type ScriptedServer } from "../../support/scriptedServer";

const VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { version: string }
).version;

const STATS = {
  aiLlmId: "cfg-1",
  totalApiCalls: "1250",
  totalTokensIn: "45000",
  totalTokensOut: 38000,
  totalLlmTokensIn: "44000",
  totalLlmTokensOut: "37500",
  totalPolicyViolations: "3",
  totalAlerts: "2",
  totalBlocks: "1",
};

describe("FlashbackClient requests and responses (scripted server)", () => {
  let server: ScriptedServer | undefined;
  let client: FlashbackClient | undefined;

  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  describe("the seven calls", () => {
    it("send the documented method, path, query and body, and return the parsed answer", async () => {
      server = await startScriptedServer({
        "POST /ai/llm": [{ status: 200, body: { success: true, aiLlmId: "cfg-1", message: "created" } }],
        "GET /ai/llm": [{ status: 200, body: { success: true, aiLlms: [CONFIG] } }],
        "GET /ai/llm/available": [
          { status: 200, body: { success: true, aiLlms: [{ ...CONFIG, key: "sk-****" }] } },
        ],
        "PUT /ai/llm/cfg-1": [{ status: 200, body: { success: true, aiLlmId: "cfg-1" } }],
        "DELETE /ai/llm/cfg-1": [{ status: 200, body: { success: true, message: "deleted" } }],
        "POST /ai/llm/cfg-1/validate": [{ status: 200, body: { success: true, message: "ok" } }],
        "GET /ai/llm/stats": [{ status: 200, body: { success: true, stats: [STATS] } }],
      });
      ({ client } = testClient(server.url));
      const create = {
        name: "My OpenAI",
        aiType: "OPENAI" as const,
        endpoint: "https://api.openai.com/v1",
        secret: "sk-x",
        workspaceId: "ws-1",
      };
      assert.deepEqual(await client.createAiLlm(create), {
        success: true,
        aiLlmId: "cfg-1",
        message: "created",
      });
      assert.deepEqual(await client.listAiLlms(), [CONFIG]);
      assert.deepEqual(await client.listAiLlms("ws-1"), [CONFIG]);
      assert.equal((await client.listAvailableAiLlms())[0]!.key, "sk-****");
      assert.deepEqual(await client.updateAiLlm("cfg-1", { name: "Renamed" }), {
        success: true,
        aiLlmId: "cfg-1",
      });
      assert.deepEqual(await client.deleteAiLlm("cfg-1"), { success: true, message: "deleted" });
      assert.deepEqual(await client.validateAiLlm("cfg-1"), { success: true, message: "ok" });
      const [stats] = await client.getAiLlmStats();
      assert.equal(stats!.totalApiCalls, 1250);
      assert.equal(stats!.totalTokensOut, 38000);
      await client.getAiLlmStats("cfg-1");

      assert.deepEqual(
        server.requests.map((r) => [r.method, r.path, r.query]),
        [
          ["POST", "/ai/llm", ""],
          ["GET", "/ai/llm", ""],
          ["GET", "/ai/llm", "workspaceId=ws-1"],
          ["GET", "/ai/llm/available", ""],
          ["PUT", "/ai/llm/cfg-1", ""],
          ["DELETE", "/ai/llm/cfg-1", ""],
          ["POST", "/ai/llm/cfg-1/validate", ""],
          ["GET", "/ai/llm/stats", ""],
          ["GET", "/ai/llm/stats", "aiLlmId=cfg-1"],
        ],
      );
      assert.deepEqual(JSON.parse(server.requests[0]!.body), create);
      assert.deepEqual(JSON.parse(server.requests[4]!.body), { name: "Renamed" });
      assert.equal(server.requests[5]!.body, "");
      assert.equal(server.requests[6]!.body, "");
    });

    it("validate answered 200 with success:false is returned, not thrown", async () => {
      server = await startScriptedServer({
        "POST /ai/llm/cfg-1/validate": [
          { status: 200, body: { success: false, message: "Validation failed: 401" } },
        ],
      });
      ({ client } = testClient(server.url));
      assert.deepEqual(await client.validateAiLlm("cfg-1"), {
        success: false,
        message: "Validation failed: 401",
      });
    });

    it("encodes path segments and query values", async () => {
      server = await startScriptedServer({
        "PUT /ai/llm/a%2Fb%20c%3F": [{ status: 200, body: { success: true } }],
        "GET /ai/llm": [EMPTY_LIST],
      });
      ({ client } = testClient(server.url));
      await client.updateAiLlm("a/b c?", {});
      await client.listAiLlms("ws 1&admin=true");
      assert.equal(server.requests[0]!.path, "/ai/llm/a%2Fb%20c%3F");
      assert.equal(new URLSearchParams(server.requests[1]!.query).get("workspaceId"), "ws 1&admin=true");
      assert.deepEqual([...new URLSearchParams(server.requests[1]!.query).keys()], ["workspaceId"]);
    });

    it("refuses ids that would change the path", async () => {
      server = await startScriptedServer({});
      ({ client } = testClient(server.url));
      for (const id of ["", ".", ".."]) {
        await assert.rejects(client.deleteAiLlm(id), TypeError);
      }
      assert.equal(server.count(), 0);
    });

    it("keeps a base URL path prefix and accepts a trailing slash", async () => {
      server = await startScriptedServer({ "GET /api/v1/ai/llm": [EMPTY_LIST] });
      ({ client } = testClient(`${server.url}/api/v1/`));
      assert.deepEqual(await client.listAiLlms(), []);
    });
  });

  describe("headers", () => {
    it("sends authorization, accept, user-agent, and content-type only with a body", async () => {
      server = await startScriptedServer({
        "GET /ai/llm": [EMPTY_LIST],
        "PUT /ai/llm/x": [{ status: 200, body: { success: true } }],
      });
      ({ client } = testClient(server.url, { accessToken: "tok-123" }));
      await client.listAiLlms();
      await client.updateAiLlm("x", { name: "n" });
      const [get, put] = server.requests;
      assert.equal(get!.headers.authorization, "Bearer tok-123");
      assert.equal(get!.headers.accept, "application/json");
      assert.equal(get!.headers["user-agent"], `pulumi-flashback/${VERSION}`);
      assert.equal(get!.headers["content-type"], undefined);
      assert.equal(put!.headers["content-type"], "application/json");
      assert.equal(put!.headers["user-agent"], `pulumi-flashback/${VERSION}`);
    });
  });

  describe("BAD_RESPONSE", () => {
    const cases: Array<
      [string, { status: number; headers?: Record<string, string>; body?: unknown }, RegExp]
    > = [
      [
        "invalid JSON",
        { status: 200, headers: { "content-type": "application/json" }, body: "{not json MARKER" },
        /not valid JSON/,
      ],
      [
        "a non-JSON content-type",
        { status: 200, headers: { "content-type": "text/html" }, body: "<p>MARKER</p>" },
        /content-type text\/html/,
      ],
      ["an empty 204", { status: 204 }, /content-type \(none\)/],
      [
        "an empty JSON body",
        { status: 200, headers: { "content-type": "application/json" }, body: "" },
        /empty body/,
      ],
      [
        "a schema mismatch",
        { status: 200, body: { success: true, aiLlms: [{ ...CONFIG, id: undefined, name: "MARKER" }] } },
        /does not match the expected shape \(aiLlms\[0\]\.id: /,
      ],
      [
        "a bad aiType",
        { status: 200, body: { success: true, aiLlms: [{ ...CONFIG, aiType: "MARKER" }] } },
        /aiLlms\[0\]\.aiType/,
      ],
      [
        "success:false on a 200",
        { status: 200, body: { success: false, message: "MARKER-ish" } },
        /success:false/,
      ],
    ];
    for (const [what, step, expected] of cases) {
      it(`on ${what}`, async () => {
        server = await startScriptedServer({ "GET /ai/llm": [step] });
        ({ client } = testClient(server.url));
        const error = await flashbackFailure(client.listAiLlms());
        assert.ok(error instanceof FlashbackBadResponseError);
        assert.match(error.message, /^Flashback API GET \/ai\/llm answered 20[04] with /);
        assert.match(error.message, expected);
        if (what !== "success:false on a 200") assert.ok(!error.message.includes("MARKER"), error.message);
        assert.equal(server.count(), 1, "a bad answer is not retried");
      });
    }

    it("a create answered with a schema mismatch says it was probably applied", async () => {
      server = await startScriptedServer({ "POST /ai/llm": [{ status: 200, body: { success: true } }] });
      ({ client } = testClient(server.url));
      const error = await flashbackFailure(
        client.createAiLlm({
          name: "n",
          aiType: "OTHER",
          endpoint: "https://x.test",
          secret: "s",
          workspaceId: "w",
        }),
      );
      assert.equal(error.code, "BAD_RESPONSE");
      assert.match(error.message, /aiLlmId/);
      assert.match(error.message, /probably applied/);
    });
  });

  describe("errors", () => {
    it("a non-JSON error body gives the status without an API message", async () => {
      server = await startScriptedServer({
        "DELETE /ai/llm/x": [
          { status: 404, headers: { "content-type": "text/html" }, body: "<h1>Not found</h1>" },
        ],
      });
      ({ client } = testClient(server.url));
      const error = await flashbackFailure(client.deleteAiLlm("x"));
      assert.equal(error.code, "NOT_FOUND");
      assert.equal(error.message, "Flashback API DELETE /ai/llm/x failed with 404");
      assert.equal(error.apiMessage, undefined);
    });

    it("a redirect is not followed", async () => {
      server = await startScriptedServer({
        "GET /ai/llm": [{ status: 302, headers: { location: "http://elsewhere.test/steal" } }],
      });
      ({ client } = testClient(server.url));
      const error = await flashbackFailure(client.listAiLlms());
      assert.equal(error.code, "BAD_RESPONSE");
      assert.match(error.message, /redirects are not followed/);
      assert.equal(server.count(), 1);
    });

    it("error properties are exactly the documented ones", async () => {
      server = await startScriptedServer({
        "GET /ai/llm": [{ status: 403, body: { success: false, message: "no access to workspace ws-2" } }],
      });
      ({ client } = testClient(server.url));
      const error = await flashbackFailure(client.listAiLlms("ws-2"));
      assert.equal(error.name, "FlashbackForbiddenError");
      assert.deepEqual(JSON.parse(JSON.stringify(error)), {
        name: "FlashbackForbiddenError",
        code: "FORBIDDEN",
        method: "GET",
        path: "/ai/llm",
        status: 403,
        apiMessage: "no access to workspace ws-2",
      });
    });
  });

  describe("redaction", () => {
    const token = "tok-SUPERSECRET-1";
    const refreshToken = "refresh-SUPERSECRET-2";
    const secret = "sk-proj-SUPERSECRET-3";
    const key = "key-SUPERSECRET-4";
    const echo = `bad: token=${token} refresh=${refreshToken} secret=${secret} key=${key}`;

    function assertClean(error: unknown): void {
      for (const text of [
        String((error as Error).message),
        JSON.stringify(error),
        inspect(error, { depth: 5 }),
      ]) {
        assert.ok(!text.includes("SUPERSECRET"), `leaked in: ${text}`);
      }
    }

    it("scrubs tokens, secret and key that the server echoes in a 400", async () => {
      server = await startScriptedServer({
        "POST /ai/llm": [{ status: 400, body: { success: false, message: echo } }],
      });
      ({ client } = testClient(server.url, { accessToken: token, refreshToken }));
      const error = await flashbackFailure(
        client.createAiLlm({
          name: "n",
          aiType: "OPENAI",
          endpoint: "https://x.test",
          secret,
          key,
          workspaceId: "w",
        }),
      );
      assertClean(error);
      assert.equal(
        error.apiMessage,
        "bad: token=[redacted] refresh=[redacted] secret=[redacted] key=[redacted]",
      );
      assert.match(error.message, /^Flashback API POST \/ai\/llm failed with 400: bad: token=\[redacted\]/);
    });

    it("scrubs them from an update's 500 and from an OUTCOME_UNKNOWN create", async () => {
      server = await startScriptedServer({
        "PUT /ai/llm/x": [{ status: 500, body: { success: false, message: echo } }],
        "POST /ai/llm": [{ status: 502, body: { success: false, message: echo } }],
      });
      ({ client } = testClient(server.url, { accessToken: token, refreshToken, maxRetries: 1 }));
      assertClean(await flashbackFailure(client.updateAiLlm("x", { secret, key })));
      assertClean(
        await flashbackFailure(
          client.createAiLlm({
            name: "n",
            aiType: "OPENAI",
            endpoint: "https://x.test",
            secret,
            key,
            workspaceId: "w",
          }),
        ),
      );
    });

    it("scrubs them from a network failure and from the attempt events", async () => {
      server = await startScriptedServer({ "PUT /ai/llm/x": [{ action: "destroy-after-body" }] });
      let events;
      ({ client, events } = testClient(server.url, { accessToken: token, refreshToken, maxRetries: 1 }));
      assertClean(await flashbackFailure(client.updateAiLlm("x", { secret, key })));
      assert.ok(!JSON.stringify(events).includes("SUPERSECRET"));
    });
  });

  describe("connection handling", () => {
    it("consumes every body: 40 mixed answers over one keep-alive connection", async () => {
      const big = "x".repeat(200_000);
      server = await startScriptedServer({
        "GET /ai/llm": [EMPTY_LIST],
        "DELETE /ai/llm/gone": [{ status: 404, body: { success: false, message: big } }],
        "PUT /ai/llm/bad": [{ status: 400, headers: { "content-type": "text/plain" }, body: big }],
        "GET /ai/llm/available": [{ status: 200, headers: { "content-type": "text/html" }, body: big }],
        "GET /ai/llm/stats": [{ status: 204 }],
      });
      // One connection only: a body left unread would block every later request.
      const dispatcher = new Agent({ connections: 1 });
      ({ client } = testClient(server.url, { dispatcher, deadlineMs: 5_000 }));
      const c = client;
      for (let i = 0; i < 8; i++) {
        await c.listAiLlms();
        await assert.rejects(c.deleteAiLlm("gone"), { code: "NOT_FOUND" });
        await assert.rejects(c.updateAiLlm("bad", {}), { code: "BAD_REQUEST" });
        await assert.rejects(c.listAvailableAiLlms(), { code: "BAD_RESPONSE" });
        await assert.rejects(c.getAiLlmStats(), { code: "BAD_RESPONSE" });
      }
      assert.equal(server.count(), 40);
      assert.equal(server.connections(), 1);
      await client.close();
      await dispatcher.close();
    });

    it("close() leaves a caller's dispatcher open and is idempotent", async () => {
      server = await startScriptedServer({ "GET /ai/llm": [EMPTY_LIST] });
      const dispatcher = new Agent();
      const first = new FlashbackClient({ baseUrl: server.url, accessToken: "t", dispatcher });
      await first.listAiLlms();
      await first.close();
      await first.close();
      await assert.rejects(first.listAiLlms(), /closed/);
      const second = new FlashbackClient({ baseUrl: server.url, accessToken: "t", dispatcher });
      assert.deepEqual(await second.listAiLlms(), []);
      await second.close();
      await dispatcher.close();
    });

    it("an onAttempt hook that throws does not break the call", async () => {
      server = await startScriptedServer({ "GET /ai/llm": [EMPTY_LIST] });
      ({ client } = testClient(server.url, {
        onAttempt: () => {
          throw new Error("hook failed");
        },
      }));
      assert.deepEqual(await client.listAiLlms(), []);
    });
  });
});
