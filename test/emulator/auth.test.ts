import assert from "node:assert/strict";
import { listAiLlmsResponseSchema, refreshResponseSchema } from "../../src/schemas";
import { TokenRegistry } from "../../src/emulator/auth";
import { RateLimiter } from "../../src/emulator/rateLimit";
import { withEmulator } from "../../support/emulator";
import { assertError, configBody, createConfig, wait } from "../../support/emulatorFixtures";

/** Every authenticated route, with a body where it takes one. */
const AUTHENTICATED: Array<[string, string, unknown?]> = [
  ["POST", "/ai/llm", configBody()],
  ["GET", "/ai/llm"],
  ["GET", "/ai/llm/available"],
  ["GET", "/ai/llm/stats"],
  ["PUT", "/ai/llm/some-id", { name: "x" }],
  ["DELETE", "/ai/llm/some-id"],
  ["POST", "/ai/llm/some-id/validate"],
];

describe("emulator: bearer auth and refresh", () => {
  const emu = withEmulator({
    refreshTokens: [
      "refresh-all",
      { refreshToken: "refresh-a", workspaces: ["ws-a"], userId: "u-a", orgId: "o-a" },
    ],
  });
  beforeEach(() => emu.reset());

  it("401 'missing' on every authenticated route without a bearer token", async () => {
    for (const [method, path, body] of AUTHENTICATED) {
      assertError(await emu.api(method, path, body, null), 401, /^Missing bearer token/);
    }
    const basic = await emu.request("GET", "/ai/llm", { headers: { authorization: "Basic dXNlcjpwdw==" } });
    assertError(basic, 401, /^Missing bearer token/);
    assert.deepEqual((await emu.state()).aiLlms, []);
  });

  it("401 'unknown' for a token it never issued, without repeating the token", async () => {
    for (const [method, path, body] of AUTHENTICATED) {
      const res = await emu.api(method, path, body, "not-a-real-token");
      assertError(res, 401, "Unknown access token");
    }
  });

  it("accepts the scheme case-insensitively", async () => {
    const res = await emu.request("GET", "/ai/llm", { headers: { authorization: `bearer ${emu.token}` } });
    assert.equal(res.status, 200);
  });

  it("POST /user/refresh issues an access token with the same refresh token and an expiresAt in epoch seconds", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await emu.api("POST", "/user/refresh", { refreshToken: "refresh-all" }, null);
    assert.equal(res.status, 200);
    const body = refreshResponseSchema.parse(res.body);
    assert.equal(body.success, true);
    assert.match(body.accessToken, /^emu_at_[0-9a-f]{48}$/);
    assert.equal(body.refreshToken, "refresh-all");
    const expiresAt = body.expiresAt ?? 0;
    assert.ok(expiresAt >= before + 3599 && expiresAt <= before + 3601, `expiresAt ${expiresAt}`);
    assert.equal((await emu.api("GET", "/ai/llm", undefined, body.accessToken)).status, 200);
    const again = refreshResponseSchema.parse(
      (await emu.api("POST", "/user/refresh", { refreshToken: "refresh-all" })).body,
    );
    assert.notEqual(again.accessToken, body.accessToken);
  });

  it("POST /user/refresh accepts the official client's refresh_token and the documented refreshToken, and answers with both accessToken and token", async () => {
    for (const body of [{ refresh_token: "refresh-all" }, { refreshToken: "refresh-all" }]) {
      const res = await emu.api("POST", "/user/refresh", body, null);
      assert.equal(res.status, 200, JSON.stringify(Object.keys(body)));
      assert.match(res.body.accessToken, /^emu_at_/);
      assert.equal(res.body.token, res.body.accessToken);
      assert.equal((await emu.api("GET", "/ai/llm", undefined, res.body.accessToken)).status, 200);
    }
    assertError(await emu.api("POST", "/user/refresh", { refresh_token: "nope" }, null), 401);
  });

  it("issued tokens inherit the refresh token's workspaces and identity", async () => {
    await createConfig(emu, { workspaceId: "ws-b" });
    const { accessToken } = refreshResponseSchema.parse(
      (await emu.api("POST", "/user/refresh", { refreshToken: "refresh-a" })).body,
    );
    const id = await createConfig(emu, { workspaceId: "ws-a" }, accessToken);
    const listed = listAiLlmsResponseSchema.parse(
      (await emu.api("GET", "/ai/llm", undefined, accessToken)).body,
    );
    assert.deepEqual(
      listed.aiLlms.map((c) => [c.id, c.userId, c.orgId]),
      [[id, "u-a", "o-a"]],
    );
    assertError(await emu.api("POST", "/ai/llm", configBody({ workspaceId: "ws-b" }), accessToken), 403);
  });

  it("401 for an unknown refresh token, 400 for a missing one", async () => {
    assertError(
      await emu.api("POST", "/user/refresh", { refreshToken: "nope" }, null),
      401,
      "Unknown refresh token",
    );
    assertError(await emu.api("POST", "/user/refresh", {}, null), 400, "refresh_token is required");
    assertError(
      await emu.api("POST", "/user/refresh", { refreshToken: 5 }, null),
      400,
      "refreshToken must be a string",
    );
  });

  it("seeded tokens and refresh tokens work until reset", async () => {
    await emu.seed({
      tokens: [{ token: "seeded", workspaces: ["ws-s"] }],
      refreshTokens: [{ refreshToken: "seeded-refresh", workspaces: "*" }],
    });
    assert.equal((await emu.api("GET", "/ai/llm", undefined, "seeded")).status, 200);
    assertError(await emu.api("POST", "/ai/llm", configBody({ workspaceId: "ws-x" }), "seeded"), 403);
    assert.equal((await emu.api("POST", "/user/refresh", { refreshToken: "seeded-refresh" })).status, 200);
    await emu.reset();
    assertError(await emu.api("GET", "/ai/llm", undefined, "seeded"), 401, "Unknown access token");
    assertError(await emu.api("POST", "/user/refresh", { refreshToken: "seeded-refresh" }), 401);
    assert.equal((await emu.api("POST", "/user/refresh", { refreshToken: "refresh-all" })).status, 200);
  });

  describe("expiry", () => {
    const short = withEmulator({ refreshTokens: ["r"], accessTokenTtlSeconds: 1 });

    it("401 'expired' once an issued token outlives accessTokenTtlSeconds", async () => {
      const { accessToken, expiresAt } = refreshResponseSchema.parse(
        (await short.api("POST", "/user/refresh", { refreshToken: "r" })).body,
      );
      assert.ok((expiresAt ?? 0) <= Math.ceil(Date.now() / 1000) + 1);
      assert.equal((await short.api("GET", "/ai/llm", undefined, accessToken)).status, 200);
      await wait(1200);
      assertError(await short.api("GET", "/ai/llm", undefined, accessToken), 401, /^Access token expired/);
      // The start-up token never expires.
      assert.equal((await short.api("GET", "/ai/llm")).status, 200);
    });

    it("seed changes the TTL of tokens issued afterwards", async () => {
      await short.seed({ accessTokenTtlSeconds: 600 });
      const now = Math.floor(Date.now() / 1000);
      const body = refreshResponseSchema.parse(
        (await short.api("POST", "/user/refresh", { refreshToken: "r" })).body,
      );
      assert.ok((body.expiresAt ?? 0) >= now + 599);
      await short.reset();
      const after = refreshResponseSchema.parse(
        (await short.api("POST", "/user/refresh", { refreshToken: "r" })).body,
      );
      assert.ok(
        (after.expiresAt ?? 0) <= Math.floor(Date.now() / 1000) + 1,
        "reset restores the start-up TTL",
      );
    });

    it("TokenRegistry reports expiry at the exact millisecond", () => {
      const registry = new TokenRegistry([], [{ refreshToken: "r", workspaces: "*" }], 10);
      const issued = registry.refresh("r", 1_000_000);
      assert.equal(issued.expiresAt, 1010);
      registry.authenticate(`Bearer ${issued.accessToken}`, 1_009_999);
      assert.throws(() => registry.authenticate(`Bearer ${issued.accessToken}`, 1_010_000), /expired/);
    });
  });

  describe("rate limit", () => {
    const limited = withEmulator({ tokens: ["t1", "t2"], rateLimitPerSecond: 2 });
    beforeEach(() => limited.reset());

    it("429 with Retry-After and the envelope past the per-token limit", async () => {
      assert.equal((await limited.api("GET", "/ai/llm", undefined, "t1")).status, 200);
      assert.equal((await limited.api("GET", "/ai/llm", undefined, "t1")).status, 200);
      const refused = await limited.api("GET", "/ai/llm", undefined, "t1");
      assertError(refused, 429, /rate limit/);
      assert.equal(refused.headers.get("retry-after"), "1");
      assert.equal(
        (await limited.api("GET", "/ai/llm", undefined, "t2")).status,
        200,
        "other tokens are not affected",
      );
      await wait(1050);
      assert.equal(
        (await limited.api("GET", "/ai/llm", undefined, "t1")).status,
        200,
        "allowed again after the window",
      );
    });

    it("seed turns the limit off with null, and on again", async () => {
      await limited.seed({ rateLimitPerSecond: null });
      for (let i = 0; i < 5; i++)
        assert.equal((await limited.api("GET", "/ai/llm", undefined, "t1")).status, 200);
      await limited.seed({ rateLimitPerSecond: 1 });
      assert.equal((await limited.api("GET", "/ai/llm", undefined, "t2")).status, 200);
      assert.equal((await limited.api("GET", "/ai/llm", undefined, "t2")).status, 429);
    });

    it("RateLimiter slides its window and gives whole seconds >= 1", () => {
      const limiter = new RateLimiter(2);
      assert.equal(limiter.take("k", 0), undefined);
      assert.equal(limiter.take("k", 999), undefined);
      assert.equal(limiter.take("k", 999), 1);
      assert.equal(limiter.take("k", 1000), undefined, "the first hit left the window");
      assert.equal(limiter.take("k", 1001), 1);
      assert.equal(new RateLimiter(null).take("k", 0), undefined);
    });
  });
});
