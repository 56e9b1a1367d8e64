import assert from "node:assert/strict";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { isLoopbackAddress } from "../../src/emulator/control";
import { startEmulator } from "../../src/emulator";
import { refreshResponseSchema } from "../../src/schemas";
import { EmulatorHandle, withEmulator } from "../../support/emulator";
import { assertError, configBody, createConfig, KEY, SECRET } from "../../support/emulatorFixtures";

describe("emulator: control API", () => {
  const lines: string[] = [];
  const emu = withEmulator({
    tokens: ["startup-token-3b1f"],
    refreshTokens: ["startup-refresh-9e2c"],
    log: (line) => lines.push(line),
  });
  beforeEach(async () => {
    await emu.reset();
    lines.length = 0;
  });

  it("isLoopbackAddress accepts only loopback peers", () => {
    for (const address of ["127.0.0.1", "127.5.6.7", "::1", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"]) {
      assert.equal(isLoopbackAddress(address), true, address);
    }
    for (const address of [
      undefined,
      "",
      "10.0.0.1",
      "192.168.1.10",
      "::ffff:10.0.0.1",
      "fe80::1",
      "128.0.0.1",
      "::",
    ]) {
      assert.equal(isLoopbackAddress(address), false, String(address));
    }
  });

  it("reset empties data, faults, log and issued or seeded tokens, and keeps start-up tokens", async () => {
    const id = await createConfig(emu);
    await emu.seed({
      repos: [{ id: "repo-1", name: "r", aiLlmId: id }],
      tokens: [{ token: "seeded", workspaces: "*" }],
    });
    const { accessToken } = refreshResponseSchema.parse(
      (
        await emu.request("POST", "/user/refresh", {
          body: JSON.stringify({ refreshToken: "startup-refresh-9e2c" }),
        })
      ).body,
    );
    await emu.fault({ action: "status", count: 9 });
    await emu.reset();
    assert.deepEqual(await emu.state(), { aiLlms: [], repos: [] });
    assert.deepEqual(await emu.faults(), []);
    assert.deepEqual(await emu.requests(), []);
    assertError(await emu.api("GET", "/ai/llm", undefined, accessToken), 401, "Unknown access token");
    assertError(await emu.api("GET", "/ai/llm", undefined, "seeded"), 401);
    assert.equal((await emu.api("GET", "/ai/llm")).status, 200);
    assert.equal(
      (
        await emu.request("POST", "/user/refresh", {
          body: JSON.stringify({ refreshToken: "startup-refresh-9e2c" }),
        })
      ).status,
      200,
    );
  });

  it("seed revokes access and refresh tokens, start-up ones included, and keeps the data", async () => {
    const id = await createConfig(emu);
    await emu.seed({ tokens: [{ token: "rotated-in", workspaces: "*" }] });
    await emu.seed({ revokeTokens: [emu.token, "startup-refresh-9e2c"] });
    assertError(await emu.api("GET", "/ai/llm"), 401, "Unknown access token");
    const refreshed = await emu.request("POST", "/user/refresh", {
      body: JSON.stringify({ refreshToken: "startup-refresh-9e2c" }),
    });
    assertError(refreshed, 401, "Unknown refresh token");
    const listed = await emu.api("GET", "/ai/llm", undefined, "rotated-in");
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.aiLlms.map((c: { id: string }) => c.id),
      [id],
    );
  });

  it("seed links repositories (shown in lists and state) and unlinks them", async () => {
    const a = await createConfig(emu);
    const b = await createConfig(emu);
    await emu.seed({
      repos: [
        { id: "repo-1", name: "one", aiLlmId: a, createdAt: "2024-01-16T00:00:00.000Z" },
        { id: "repo-2", name: "two", aiLlmId: b },
      ],
    });
    const listed = (await emu.api("GET", "/ai/llm")).body.aiLlms;
    assert.deepEqual(listed[0].repos, [{ id: "repo-1", name: "one", createdAt: "2024-01-16T00:00:00.000Z" }]);
    assert.equal(listed[1].repos[0].name, "two");
    const state = await emu.state();
    assert.deepEqual(
      state.repos.map((r) => [r.id, r.aiLlmId]),
      [
        ["repo-1", a],
        ["repo-2", b],
      ],
    );
    await emu.seed({ unlinkRepos: ["repo-1"] });
    assert.deepEqual(
      (await emu.state()).repos.map((r) => r.id),
      ["repo-2"],
    );
  });

  it("seed answers 404 for an unknown aiLlmId and applies nothing", async () => {
    const res = await emu.request("POST", "/_emulator/seed", {
      body: JSON.stringify({
        tokens: [{ token: "half", workspaces: "*" }],
        repos: [{ id: "r", name: "r", aiLlmId: "ghost" }],
      }),
    });
    assertError(res, 404, "AI LLM configuration 'ghost' not found");
    assertError(await emu.api("GET", "/ai/llm", undefined, "half"), 401);
  });

  it("seed answers 400 for a malformed body", async () => {
    const post = (body: string) => emu.request("POST", "/_emulator/seed", { body });
    assertError(await post("[]"), 400, "Request body must be a JSON object");
    assertError(await post("{"), 400, "Request body is not valid JSON");
    assertError(
      await post(JSON.stringify({ tokens: [{ token: "x" }] })),
      400,
      "tokens.0.workspaces is required",
    );
    assertError(await post(JSON.stringify({ rateLimitPerSecond: 0 })), 400, /^rateLimitPerSecond must be/);
    assertError(await post(JSON.stringify({ repo: [] })), 400, /unknown field\(s\) repo/);
  });

  it("the request log holds method, path, query, status and time; never bodies, headers or tokens", async () => {
    const id = await createConfig(emu, { key: KEY });
    await emu.api("PUT", `/ai/llm/${id}`, { secret: `${SECRET}-2` });
    await emu.api("GET", "/ai/llm?workspaceId=ws-1");
    await emu.api("GET", "/ai/llm", undefined, "wrong-token-5a7d");
    await emu.request("POST", "/user/refresh", {
      body: JSON.stringify({ refreshToken: "startup-refresh-9e2c" }),
    });
    const log = await emu.requests();
    assert.deepEqual(
      log.map((r) => [r.seq, r.method, r.path, r.query, r.status]),
      [
        [1, "POST", "/ai/llm", "", 200],
        [2, "PUT", `/ai/llm/${id}`, "", 200],
        [3, "GET", "/ai/llm", "?workspaceId=ws-1", 200],
        [4, "GET", "/ai/llm", "", 401],
        [5, "POST", "/user/refresh", "", 200],
      ],
    );
    for (const entry of log) {
      assert.deepEqual(Object.keys(entry).sort(), ["at", "method", "path", "query", "seq", "status"]);
      assert.ok(!Number.isNaN(Date.parse(entry.at)));
    }
    const text = JSON.stringify(log);
    for (const needle of [
      SECRET,
      KEY,
      "startup-token-3b1f",
      "wrong-token-5a7d",
      "startup-refresh-9e2c",
      "emu_at_",
    ]) {
      assert.ok(!text.includes(needle), `log contains ${needle}`);
    }
    await emu.clearRequests();
    assert.deepEqual(await emu.requests(), []);
  });

  it("the access log sink gets one line per request, without bodies, tokens or secrets", async () => {
    const id = await createConfig(emu, { key: KEY });
    await emu.api("POST", `/ai/llm/${id}/validate`);
    await emu.api("GET", "/ai/llm", undefined, "wrong-token-5a7d");
    await emu.state();
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^API POST \/ai\/llm 200 \d+ms$/);
    assert.match(lines[2], /^API GET \/ai\/llm 401 /);
    assert.match(lines[3], /^CONTROL GET \/_emulator\/state 200 /);
    const text = lines.join("\n");
    for (const needle of [SECRET, KEY, "startup-token-3b1f", "wrong-token-5a7d", "ws-1"]) {
      assert.ok(!text.includes(needle), `log line contains ${needle}`);
    }
  });

  it("state shows configurations without credentials, with hasKey and lastValidation", async () => {
    const id = await createConfig(emu, { key: KEY, name: "with-key" });
    await emu.api("POST", `/ai/llm/${id}/validate`);
    const res = await emu.request("GET", "/_emulator/state");
    const [config] = res.body.aiLlms;
    assert.deepEqual(Object.keys(config).sort(), [
      "aiType",
      "createdAt",
      "endpoint",
      "hasKey",
      "id",
      "lastValidation",
      "name",
      "orgId",
      "repos",
      "userId",
      "workspaceId",
    ]);
    assert.equal(config.hasKey, true);
    assert.equal(config.lastValidation.success, true);
    assert.ok(!Number.isNaN(Date.parse(config.lastValidation.at)));
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes(SECRET) && !text.includes(KEY) && !text.includes("v1."), text);
  });

  it("404 for an unknown control path, 405 for a wrong method", async () => {
    assertError(await emu.request("GET", "/_emulator/nothing"), 404);
    assertError(await emu.request("GET", "/_emulator/reset"), 405);
    assertError(await emu.request("POST", "/_emulator/state"), 405);
  });

  it("control requests stay out of the request log and need no token", async () => {
    await emu.request("GET", "/_emulator/state");
    await emu.request("POST", "/_emulator/seed", { body: "{}" });
    assert.deepEqual(await emu.requests(), []);
  });
});

describe("emulator: lifecycle", () => {
  // Bounds are loose on purpose: a loaded CI machine is slow, and the failure they catch
  // (waiting for keep-alive or a delay to run out) takes 5 s or more.
  it("close() ends promptly even with an idle keep-alive connection open", async () => {
    const handle = await EmulatorHandle.start();
    assert.equal((await handle.api("GET", "/ai/llm")).status, 200);
    const url = handle.url;
    const started = Date.now();
    await handle.close();
    assert.ok(Date.now() - started < 3_000, `close took ${Date.now() - started} ms`);
    await assert.rejects(fetch(`${url}/ai/llm`), TypeError);
  });

  it("close() also cuts a connection in the middle of sending a request", async () => {
    const handle = await EmulatorHandle.start();
    const socket = net.connect(handle.running.port, "127.0.0.1");
    await once(socket, "connect");
    socket.write("POST /ai/llm HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
    const closed = once(socket, "close");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await handle.close();
    await closed;
    assert.ok(Date.now() - started < 3_000, `close took ${Date.now() - started} ms`);
  });

  it("close() cuts a pending fault delay short, without applying the delayed operation", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-close-"));
    try {
      const dataFile = path.join(dir, "data.json");
      const handle = await EmulatorHandle.start({ dataFile });
      await handle.fault({ action: "delay", delayMs: 60_000 });
      const pending = handle.api("POST", "/ai/llm", configBody()).catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      await handle.close();
      assert.ok(Date.now() - started < 3_000);
      assert.ok((await pending) instanceof TypeError);
      assert.deepEqual(await fs.readdir(dir), [], "nothing was created after close()");
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects invalid options", async () => {
    await assert.rejects(startEmulator({ port: 70000 }), RangeError);
    await assert.rejects(startEmulator({ rateLimitPerSecond: 0 }), RangeError);
    await assert.rejects(startEmulator({ accessTokenTtlSeconds: -1 }), RangeError);
    await assert.rejects(startEmulator({ tokens: [""] }), /Invalid tokens option: 0.token must not be empty/);
  });

  it("binds 127.0.0.1 by default and reports the URL it listens on", async () => {
    const running = await startEmulator();
    try {
      assert.equal(running.host, "127.0.0.1");
      assert.equal(running.url, `http://127.0.0.1:${running.port}`);
      assert.ok(running.port > 0);
    } finally {
      await running.close();
    }
  });
});
