import assert from "node:assert/strict";
import fc from "fast-check";
import {
  aiLlmStatsResponseSchema,
  createAiLlmResponseSchema,
  deleteAiLlmResponseSchema,
  listAiLlmsResponseSchema,
  updateAiLlmResponseSchema,
  validateAiLlmResponseSchema,
} from "../../src/schemas";
import { withEmulator } from "../../support/emulator";
import { assertError, configBody, createConfig, KEY, SECRET } from "../../support/emulatorFixtures";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const VALIDATED =
  "AI LLM configuration validated successfully. Connection established and credentials verified.";

describe("emulator: AI LLM routes", () => {
  const emu = withEmulator({
    tokens: [
      "flashback-emulator-token",
      { token: "ws-a-token", workspaces: ["ws-a"], userId: "user-a", orgId: "org-a" },
    ],
  });
  beforeEach(() => emu.reset());

  describe("POST /ai/llm", () => {
    it("creates a configuration and answers {success, aiLlmId, message}", async () => {
      const res = await emu.api("POST", "/ai/llm", configBody({ name: "My OpenAI Config", key: KEY }));
      assert.equal(res.status, 200);
      const body = createAiLlmResponseSchema.parse(res.body);
      assert.deepEqual(Object.keys(body).sort(), ["aiLlmId", "message", "success"]);
      assert.equal(body.success, true);
      assert.match(body.aiLlmId, UUID);
      assert.equal(body.message, "AI LLM configuration created successfully");
      const [stored] = (await emu.state()).aiLlms;
      assert.equal(stored.id, body.aiLlmId);
      assert.equal(stored.name, "My OpenAI Config");
      assert.equal(stored.hasKey, true);
    });

    it("records the token's userId and orgId, or the emulator's defaults", async () => {
      await createConfig(emu, { workspaceId: "ws-a" }, "ws-a-token");
      await createConfig(emu, { workspaceId: "ws-a" });
      const [mine, theirs] = (await emu.state()).aiLlms;
      assert.deepEqual([mine.userId, mine.orgId], ["user-a", "org-a"]);
      assert.deepEqual([theirs.userId, theirs.orgId], ["user-emulator", "org-emulator"]);
    });

    for (const field of ["name", "aiType", "endpoint", "secret", "workspaceId"]) {
      it(`400 naming ${field} when it is missing, empty or not a string`, async () => {
        const missing = configBody();
        delete missing[field];
        // Without a secret, a stored key (apiKeyUuid) is the other way to give credentials.
        const required =
          field === "secret"
            ? "secret is required \\(or apiKeyUuid, to use a stored provider key\\)"
            : `${field} is required`;
        assertError(await emu.api("POST", "/ai/llm", missing), 400, new RegExp(`^${required}$`));
        const empty = await emu.api("POST", "/ai/llm", configBody({ [field]: "  " }));
        assertError(empty, 400, new RegExp(`^${field} `));
        assertError(
          await emu.api("POST", "/ai/llm", configBody({ [field]: 42 })),
          400,
          new RegExp(`^${field} `),
        );
        assert.deepEqual((await emu.state()).aiLlms, []);
      });
    }

    it("400 for an aiType outside OPENAI GOOGLE ANTHROPIC AWS OTHER, listing the allowed values", async () => {
      const res = await emu.api("POST", "/ai/llm", configBody({ aiType: "openai" }));
      assertError(res, 400, "aiType must be one of OPENAI, GOOGLE, ANTHROPIC, AWS, OTHER");
      for (const aiType of ["OPENAI", "GOOGLE", "ANTHROPIC", "AWS", "OTHER"])
        await createConfig(emu, { aiType });
    });

    it("400 for an endpoint that is not an absolute http(s) URL", async () => {
      for (const endpoint of ["api.openai.com/v1", "/v1", "ftp://api.openai.com", "https://", "not a url"]) {
        const res = await emu.api("POST", "/ai/llm", configBody({ endpoint }));
        assertError(res, 400, "endpoint must be an absolute http:// or https:// URL");
      }
      await createConfig(emu, { endpoint: "http://localhost:11434/v1" });
    });

    it("400 for a key that is not a string; no key and an empty key store no key", async () => {
      assertError(await emu.api("POST", "/ai/llm", configBody({ key: 7 })), 400, "key must be a string");
      await createConfig(emu);
      await createConfig(emu, { key: "" });
      assert.deepEqual(
        (await emu.state()).aiLlms.map((c) => c.hasKey),
        [false, false],
      );
    });

    it("never echoes the secret or key in a 400 message", async () => {
      const res = await emu.api("POST", "/ai/llm", configBody({ endpoint: "nope", aiType: "X", key: KEY }));
      assertError(res, 400);
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(SECRET) && !text.includes(KEY), text);
    });

    it("400 for a body that is not a JSON object, or not JSON at all", async () => {
      for (const body of [[configBody()], "text", 3, null]) {
        assertError(await emu.api("POST", "/ai/llm", body), 400, "Request body must be a JSON object");
      }
      assertError(await emu.api("POST", "/ai/llm"), 400, "Request body must be a JSON object");
      const bad = await emu.request("POST", "/ai/llm", {
        headers: { authorization: `Bearer ${emu.token}` },
        body: '{"name": "x",',
      });
      assertError(bad, 400, "Request body is not valid JSON");
    });

    it("413 for a body over 1 MiB", async () => {
      const res = await emu.api("POST", "/ai/llm", configBody({ name: "x".repeat(1024 * 1024 + 1) }));
      assertError(res, 413, /exceeds the limit of 1048576 bytes/);
      assert.deepEqual((await emu.state()).aiLlms, []);
    });

    it("403 when the token cannot access the workspace", async () => {
      const res = await emu.api("POST", "/ai/llm", configBody({ workspaceId: "ws-b" }), "ws-a-token");
      assertError(res, 403, /workspace 'ws-b'/);
      assert.deepEqual((await emu.state()).aiLlms, []);
    });

    it("keeps names unique per workspace, case-sensitively", async () => {
      await createConfig(emu, { name: "Prod", workspaceId: "ws-1" });
      const dup = await emu.api("POST", "/ai/llm", configBody({ name: "Prod", workspaceId: "ws-1" }));
      assertError(dup, 400, "An AI LLM configuration named 'Prod' already exists in workspace 'ws-1'");
      await createConfig(emu, { name: "Prod", workspaceId: "ws-2" });
      await createConfig(emu, { name: "prod", workspaceId: "ws-1" });
      assert.equal((await emu.state()).aiLlms.length, 3);
    });

    it("never answers 500 to an arbitrary body", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.anything(),
            fc.record(
              { name: fc.anything(), aiType: fc.anything(), endpoint: fc.anything(), secret: fc.anything() },
              { requiredKeys: [] },
            ),
          ),
          async (body) => {
            const res = await emu.api("POST", "/ai/llm", {
              ...(typeof body === "object" ? body : {}),
              workspaceId: "w",
            });
            assert.ok(res.status === 200 || res.status === 400, `status ${res.status}`);
            const raw = await emu.api("PUT", "/ai/llm/some-id", body);
            assert.ok(raw.status === 400 || raw.status === 404, `status ${raw.status}`);
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe("GET /ai/llm", () => {
    it("lists the documented shape in creation order, with key null and no secret", async () => {
      const first = await createConfig(emu, { name: "first", key: KEY });
      const second = await createConfig(emu, { name: "second", aiType: "ANTHROPIC" });
      await emu.seed({ repos: [{ id: "repo-789", name: "my-ai-repo", aiLlmId: first }] });
      const res = await emu.api("GET", "/ai/llm");
      assert.equal(res.status, 200);
      const body = listAiLlmsResponseSchema.parse(res.body);
      assert.equal(body.success, true);
      assert.deepEqual(
        body.aiLlms.map((c) => c.id),
        [first, second],
      );
      const item = body.aiLlms[0];
      assert.deepEqual(Object.keys(item).sort(), [
        "aiType",
        "createdAt",
        "endpoint",
        "id",
        "key",
        "name",
        "orgId",
        "repos",
        "userId",
        "workspaceId",
      ]);
      assert.equal(item.key, null);
      assert.ok(!Number.isNaN(Date.parse(item.createdAt ?? "")));
      assert.equal(item.repos?.[0].id, "repo-789");
      assert.equal(item.repos?.[0].name, "my-ai-repo");
      assert.deepEqual(Object.keys(item.repos?.[0] ?? {}).sort(), ["createdAt", "id", "name"]);
      assert.deepEqual(body.aiLlms[1].repos, []);
      assert.ok(!JSON.stringify(res.body).includes(SECRET) && !JSON.stringify(res.body).includes(KEY));
    });

    it("lists only accessible workspaces, and filters by ?workspaceId=", async () => {
      const a = await createConfig(emu, { workspaceId: "ws-a" });
      const b = await createConfig(emu, { workspaceId: "ws-b" });
      const ids = async (path: string, token?: string) =>
        listAiLlmsResponseSchema
          .parse((await emu.api("GET", path, undefined, token)).body)
          .aiLlms.map((c) => c.id);
      assert.deepEqual(await ids("/ai/llm"), [a, b]);
      assert.deepEqual(await ids("/ai/llm", "ws-a-token"), [a]);
      assert.deepEqual(await ids("/ai/llm?workspaceId=ws-b"), [b]);
      assert.deepEqual(await ids("/ai/llm?workspaceId=ws-b", "ws-a-token"), []);
      assert.deepEqual(await ids("/ai/llm?workspaceId=ws-a", "ws-a-token"), [a]);
    });
  });

  describe("GET /ai/llm/available", () => {
    it("lists validated configurations newest first, and forgets validation when credentials or endpoint change", async () => {
      const a = await createConfig(emu);
      const b = await createConfig(emu, { secret: "invalid-secret" });
      const c = await createConfig(emu);
      const d = await createConfig(emu);
      for (const id of [a, b, c, d]) await emu.api("POST", `/ai/llm/${id}/validate`);
      const available = async () =>
        listAiLlmsResponseSchema
          .parse((await emu.api("GET", "/ai/llm/available")).body)
          .aiLlms.map((x) => x.id);
      assert.deepEqual(await available(), [d, c, a]);

      await emu.api("PUT", `/ai/llm/${a}`, { name: "renamed" });
      assert.deepEqual(await available(), [d, c, a], "a rename keeps the validated state");
      await emu.api("PUT", `/ai/llm/${a}`, { endpoint: "https://api.openai.com/v1" });
      assert.deepEqual(await available(), [d, c, a], "an unchanged endpoint keeps it");
      await emu.api("PUT", `/ai/llm/${a}`, { endpoint: "https://api.openai.com/v2" });
      assert.deepEqual(await available(), [d, c]);
      await emu.api("PUT", `/ai/llm/${c}`, { secret: "sk-new" });
      assert.deepEqual(await available(), [d]);
      await emu.api("PUT", `/ai/llm/${d}`, { aiType: "OTHER" });
      assert.deepEqual(await available(), []);
      await emu.api("POST", `/ai/llm/${b}/validate`);
      await emu.api("PUT", `/ai/llm/${b}`, { secret: "sk-fixed" });
      await emu.api("POST", `/ai/llm/${b}/validate`);
      await emu.api("POST", `/ai/llm/${a}/validate`);
      assert.deepEqual(await available(), [b, a]);
    });

    it("clears the validated state on a new key too, and leaves other workspaces out", async () => {
      const mine = await createConfig(emu, { workspaceId: "ws-a" });
      const other = await createConfig(emu, { workspaceId: "ws-b" });
      await emu.api("POST", `/ai/llm/${mine}/validate`);
      await emu.api("POST", `/ai/llm/${other}/validate`);
      const res = await emu.api("GET", "/ai/llm/available", undefined, "ws-a-token");
      assert.deepEqual(
        listAiLlmsResponseSchema.parse(res.body).aiLlms.map((x) => x.id),
        [mine],
      );
      await emu.api("PUT", `/ai/llm/${mine}`, { key: KEY });
      const after = await emu.api("GET", "/ai/llm/available", undefined, "ws-a-token");
      assert.deepEqual(listAiLlmsResponseSchema.parse(after.body).aiLlms, []);
    });
  });

  describe("PUT /ai/llm/{id}", () => {
    it("applies a partial update, ignores unknown fields and accepts an empty object", async () => {
      const id = await createConfig(emu, { name: "before", aiType: "OPENAI" });
      const res = await emu.api("PUT", `/ai/llm/${id}`, { name: "after", color: "blue" });
      assert.equal(res.status, 200);
      const body = updateAiLlmResponseSchema.parse(res.body);
      assert.equal(body.success, true);
      assert.equal(body.aiLlmId, id);
      assert.equal(typeof body.message, "string");
      assert.equal((await emu.api("PUT", `/ai/llm/${id}`, {})).status, 200);
      const [stored] = (await emu.state()).aiLlms;
      assert.equal(stored.name, "after");
      assert.equal(stored.aiType, "OPENAI");
      assert.equal(stored.endpoint, "https://api.openai.com/v1");
      assert.ok(!("color" in stored));
    });

    it("replaces the secret: validate then uses the new one", async () => {
      const id = await createConfig(emu);
      await emu.api("PUT", `/ai/llm/${id}`, { secret: "invalid-now" });
      assert.equal((await emu.api("POST", `/ai/llm/${id}/validate`)).body.success, false);
    });

    it("an empty key removes the stored key", async () => {
      const id = await createConfig(emu, { key: KEY });
      await emu.api("PUT", `/ai/llm/${id}`, { key: "" });
      assert.equal((await emu.state()).aiLlms[0].hasKey, false);
    });

    it("400 naming each invalid field, and for workspaceId, which cannot change", async () => {
      const id = await createConfig(emu);
      assertError(
        await emu.api("PUT", `/ai/llm/${id}`, { workspaceId: "ws-1" }),
        400,
        /^workspaceId cannot be changed/,
      );
      assertError(await emu.api("PUT", `/ai/llm/${id}`, { name: "" }), 400, "name must not be empty");
      assertError(await emu.api("PUT", `/ai/llm/${id}`, { aiType: "GPT" }), 400, /^aiType must be one of/);
      assertError(
        await emu.api("PUT", `/ai/llm/${id}`, { endpoint: "mailto:x@y.z" }),
        400,
        "endpoint must be an absolute http:// or https:// URL",
      );
      assertError(await emu.api("PUT", `/ai/llm/${id}`, { secret: " " }), 400, "secret must not be empty");
      assertError(await emu.api("PUT", `/ai/llm/${id}`, { key: null }), 400, "key must be a string");
      assertError(await emu.api("PUT", `/ai/llm/${id}`, [1]), 400, "Request body must be a JSON object");
      assert.equal((await emu.state()).aiLlms[0].name.startsWith("config-"), true);
    });

    it("404 for an unknown id, 403 for another workspace's configuration", async () => {
      assertError(
        await emu.api("PUT", "/ai/llm/no-such-id", { name: "x" }),
        404,
        "AI LLM configuration 'no-such-id' not found",
      );
      const id = await createConfig(emu, { workspaceId: "ws-b" });
      assertError(await emu.api("PUT", `/ai/llm/${id}`, { name: "x" }, "ws-a-token"), 403, new RegExp(id));
    });

    it("keeps names unique on update, but allows keeping the same name", async () => {
      const a = await createConfig(emu, { name: "alpha" });
      await createConfig(emu, { name: "beta" });
      await createConfig(emu, { name: "gamma", workspaceId: "ws-2" });
      assertError(
        await emu.api("PUT", `/ai/llm/${a}`, { name: "beta" }),
        400,
        "An AI LLM configuration named 'beta' already exists in workspace 'ws-1'",
      );
      assert.equal((await emu.api("PUT", `/ai/llm/${a}`, { name: "alpha" })).status, 200);
      assert.equal((await emu.api("PUT", `/ai/llm/${a}`, { name: "gamma" })).status, 200);
    });
  });

  describe("DELETE /ai/llm/{id}", () => {
    it("deletes and answers {success, message}", async () => {
      const id = await createConfig(emu);
      const res = await emu.api("DELETE", `/ai/llm/${id}`);
      assert.equal(res.status, 200);
      const body = deleteAiLlmResponseSchema.parse(res.body);
      assert.deepEqual(body, { success: true, message: "AI LLM configuration deleted successfully" });
      assert.deepEqual((await emu.state()).aiLlms, []);
      assertError(await emu.api("DELETE", `/ai/llm/${id}`), 404, `AI LLM configuration '${id}' not found`);
    });

    it("403 naming the repositories while any uses it", async () => {
      const id = await createConfig(emu);
      await emu.seed({
        repos: [
          { id: "repo-1", name: "alpha-repo", aiLlmId: id },
          { id: "repo-2", name: "beta-repo", aiLlmId: id },
        ],
      });
      assertError(
        await emu.api("DELETE", `/ai/llm/${id}`),
        403,
        `AI LLM configuration '${id}' is in use by repositories: alpha-repo, beta-repo; detach it from them before deleting`,
      );
      await emu.seed({ unlinkRepos: ["repo-1", "repo-2"] });
      assert.equal((await emu.api("DELETE", `/ai/llm/${id}`)).status, 200);
    });

    it("403 for another workspace's configuration, which stays", async () => {
      const id = await createConfig(emu, { workspaceId: "ws-b" });
      assertError(await emu.api("DELETE", `/ai/llm/${id}`, undefined, "ws-a-token"), 403);
      assert.equal((await emu.state()).aiLlms.length, 1);
    });
  });

  describe("POST /ai/llm/{id}/validate", () => {
    it("succeeds with the documented message and records it", async () => {
      const id = await createConfig(emu);
      const res = await emu.api("POST", `/ai/llm/${id}/validate`);
      assert.equal(res.status, 200);
      assert.deepEqual(validateAiLlmResponseSchema.parse(res.body), { success: true, message: VALIDATED });
      const [stored] = (await emu.state()).aiLlms;
      assert.equal(stored.lastValidation?.success, true);
    });

    it("fails (200, success:false) for a secret starting with 'invalid' or a host under .invalid", async () => {
      const badSecret = await createConfig(emu, { secret: "invalid-key" });
      const badHost = await createConfig(emu, { endpoint: "https://llm.example.invalid/v1" });
      const fine = await createConfig(emu, {
        secret: "sk-invalid-inside",
        endpoint: "https://invalid.example.com",
      });
      for (const id of [badSecret, badHost]) {
        const res = await emu.api("POST", `/ai/llm/${id}/validate`);
        assert.equal(res.status, 200);
        const body = validateAiLlmResponseSchema.parse(res.body);
        assert.equal(body.success, false);
        assert.match(body.message, /^Validation failed: /);
      }
      assert.equal((await emu.api("POST", `/ai/llm/${fine}/validate`)).body.success, true);
      assert.deepEqual(
        (await emu.state()).aiLlms.map((c) => c.lastValidation?.success),
        [false, false, true],
      );
    });

    it("404 for an unknown id, 403 for another workspace", async () => {
      assertError(
        await emu.api("POST", "/ai/llm/nope/validate"),
        404,
        "AI LLM configuration 'nope' not found",
      );
      const id = await createConfig(emu, { workspaceId: "ws-b" });
      assertError(await emu.api("POST", `/ai/llm/${id}/validate`, undefined, "ws-a-token"), 403);
      assert.equal((await emu.state()).aiLlms[0].lastValidation, null);
    });
  });

  describe("GET /ai/llm/stats", () => {
    it("gives eight zero counters as decimal strings per accessible configuration, filterable by aiLlmId", async () => {
      const a = await createConfig(emu, { workspaceId: "ws-a" });
      const b = await createConfig(emu, { workspaceId: "ws-b" });
      const res = await emu.api("GET", "/ai/llm/stats");
      assert.equal(res.status, 200);
      aiLlmStatsResponseSchema.parse(res.body);
      assert.deepEqual(res.body.stats[0], {
        aiLlmId: a,
        totalApiCalls: "0",
        totalTokensIn: "0",
        totalTokensOut: "0",
        totalLlmTokensIn: "0",
        totalLlmTokensOut: "0",
        totalPolicyViolations: "0",
        totalAlerts: "0",
        totalBlocks: "0",
      });
      assert.deepEqual(
        res.body.stats.map((s: { aiLlmId: string }) => s.aiLlmId),
        [a, b],
      );
      const filtered = await emu.api("GET", `/ai/llm/stats?aiLlmId=${b}`);
      assert.deepEqual(
        aiLlmStatsResponseSchema.parse(filtered.body).stats.map((s) => s.aiLlmId),
        [b],
      );
      const scoped = await emu.api("GET", "/ai/llm/stats", undefined, "ws-a-token");
      assert.deepEqual(
        aiLlmStatsResponseSchema.parse(scoped.body).stats.map((s) => s.aiLlmId),
        [a],
      );
      assert.deepEqual(
        (await emu.api("GET", `/ai/llm/stats?aiLlmId=${b}`, undefined, "ws-a-token")).body.stats,
        [],
      );
    });
  });

  describe("routing", () => {
    it("404 for an unknown path, with or without a token", async () => {
      assertError(await emu.api("GET", "/ai/llms"), 404);
      assertError(await emu.api("GET", "/nope", undefined, null), 404);
    });

    it("405 with Allow for a known path and the wrong method", async () => {
      const res = await emu.api("GET", "/ai/llm/some-id");
      assertError(res, 405);
      assert.equal(res.headers.get("allow"), "PUT, DELETE");
      assertError(await emu.api("DELETE", "/ai/llm"), 405);
      assertError(await emu.api("GET", "/ai/llm/some-id/validate"), 405);
      assertError(await emu.api("GET", "/user/refresh", undefined, null), 405);
    });
  });
});
