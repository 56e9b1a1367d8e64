import assert from "node:assert/strict";
import { FaultQueue } from "../../src/emulator/faults";
import { withEmulator } from "../../support/emulator";
import { assertError, configBody, createConfig, wait } from "../../support/emulatorFixtures";

describe("emulator: fault injection", () => {
  const emu = withEmulator({ refreshTokens: ["r"] });
  beforeEach(() => emu.reset());

  it("status: answers the status, Retry-After and envelope without applying the operation", async () => {
    await emu.fault({ action: "status", status: 503, retryAfter: 2, message: "try later" });
    const res = await emu.api("POST", "/ai/llm", configBody());
    assertError(res, 503, "try later");
    assert.equal(res.headers.get("retry-after"), "2");
    assert.deepEqual((await emu.state()).aiLlms, []);
    assert.equal((await emu.api("POST", "/ai/llm", configBody())).status, 200, "count defaults to 1");
    const log = await emu.requests();
    assert.deepEqual(
      log.map((r) => [r.status, r.fault]),
      [
        [503, "status"],
        [200, undefined],
      ],
    );
  });

  it("status: defaults to 500 with a standard message and no Retry-After", async () => {
    const fault = await emu.fault({ action: "status" });
    assert.equal(fault.status, 500);
    const res = await emu.api("GET", "/ai/llm");
    assertError(res, 500, /^Internal Server Error/);
    assert.equal(res.headers.get("retry-after"), null);
  });

  it("status: applies before auth, so it hits unauthenticated requests too", async () => {
    await emu.fault({ action: "status", status: 502 });
    assertError(await emu.api("GET", "/ai/llm", undefined, null), 502);
  });

  it("delay: waits delayMs, then processes normally", async () => {
    await emu.fault({ action: "delay", delayMs: 300, method: "POST" });
    const started = Date.now();
    const res = await emu.api("POST", "/ai/llm", configBody());
    assert.ok(Date.now() - started >= 280, `answered after ${Date.now() - started} ms`);
    assert.equal(res.status, 200);
    assert.equal((await emu.requests())[0].fault, "delay");
  });

  it("delay: still applies the operation when the client gave up meanwhile", async () => {
    await emu.fault({ action: "delay", delayMs: 250 });
    await assert.rejects(
      emu.request("POST", "/ai/llm", {
        headers: { authorization: `Bearer ${emu.token}` },
        body: JSON.stringify(configBody({ name: "abandoned" })),
        signal: AbortSignal.timeout(50),
      }),
    );
    assert.ok(
      !(await emu.state()).aiLlms.some((c) => c.name === "abandoned"),
      "not applied before the delay ends",
    );
    await wait(400);
    assert.ok((await emu.state()).aiLlms.some((c) => c.name === "abandoned"));
  });

  it("drop-before: cuts the connection and does not apply the operation", async () => {
    await emu.fault({ action: "drop-before", pathPrefix: "/ai/llm" });
    await assert.rejects(emu.api("POST", "/ai/llm", configBody()), TypeError);
    assert.deepEqual((await emu.state()).aiLlms, []);
    assert.deepEqual(
      (await emu.requests()).map((r) => [r.method, r.path, r.status, r.fault]),
      [["POST", "/ai/llm", 0, "drop-before"]],
    );
  });

  it("drop-after: applies the operation, then cuts the connection without an answer", async () => {
    await emu.fault({ action: "drop-after", method: "post" });
    await assert.rejects(emu.api("POST", "/ai/llm", configBody({ name: "lost-response" })), TypeError);
    const { aiLlms } = await emu.state();
    assert.deepEqual(
      aiLlms.map((c) => c.name),
      ["lost-response"],
    );
    assert.deepEqual(
      (await emu.requests()).map((r) => [r.status, r.fault]),
      [[0, "drop-after"]],
    );
    // A retry of the same create meets the unique-name rule, as against the real API.
    assertError(
      await emu.api("POST", "/ai/llm", configBody({ name: "lost-response" })),
      400,
      /already exists/,
    );
  });

  it("count: fires that many times, and the listing shows what remains", async () => {
    await emu.fault({ action: "status", status: 503, count: 2 });
    assert.equal((await emu.api("GET", "/ai/llm")).status, 503);
    assert.deepEqual(
      (await emu.faults()).map((f) => f.remaining),
      [1],
    );
    assert.equal((await emu.api("GET", "/ai/llm")).status, 503);
    assert.deepEqual(await emu.faults(), []);
    assert.equal((await emu.api("GET", "/ai/llm")).status, 200);
  });

  it("everyNth: fires only on every Nth matching request, counting only when it fires", async () => {
    await emu.fault({ action: "status", status: 503, everyNth: 2, count: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await emu.api("GET", "/ai/llm")).status);
    assert.deepEqual(statuses, [200, 503, 200, 503, 200, 200]);
  });

  it("matches on method and path prefix; other requests pass", async () => {
    await emu.fault({ action: "status", status: 500, method: "PUT", pathPrefix: "/ai/llm/" });
    assert.equal((await emu.api("GET", "/ai/llm")).status, 200);
    const id = await createConfig(emu);
    assert.equal((await emu.api("PUT", `/ai/llm/${id}`, { name: "n" })).status, 500);
    assert.equal((await emu.state()).aiLlms[0].name.startsWith("config-"), true);
  });

  it("the first matching fault applies first", async () => {
    await emu.fault({ action: "status", status: 502 });
    await emu.fault({ action: "status", status: 504 });
    assert.equal((await emu.api("GET", "/ai/llm")).status, 502);
    assert.equal((await emu.api("GET", "/ai/llm")).status, 504);
  });

  it("applies to POST /user/refresh", async () => {
    await emu.fault({ action: "status", status: 503, pathPrefix: "/user/refresh" });
    assertError(await emu.api("POST", "/user/refresh", { refreshToken: "r" }, null), 503);
    assert.equal((await emu.api("POST", "/user/refresh", { refreshToken: "r" }, null)).status, 200);
  });

  it("never applies to /_emulator routes", async () => {
    await emu.fault({ action: "drop-before", count: 5 });
    await emu.state();
    await emu.requests();
    assert.deepEqual(
      (await emu.faults()).map((f) => f.remaining),
      [5],
    );
  });

  it("DELETE /_emulator/faults clears pending faults", async () => {
    await emu.fault({ action: "status", count: 3 });
    await emu.clearFaults();
    assert.deepEqual(await emu.faults(), []);
    assert.equal((await emu.api("GET", "/ai/llm")).status, 200);
  });

  it("400 for a fault it cannot run, naming the field", async () => {
    const post = (body: unknown) => emu.request("POST", "/_emulator/faults", { body: JSON.stringify(body) });
    assertError(await post({}), 400, "action is required");
    assertError(await post({ action: "explode" }), 400, /^action must be one of/);
    assertError(await post({ action: "delay" }), 400, "delayMs is required");
    assertError(await post({ action: "status", status: 99 }), 400, /^status must be at least 200/);
    assertError(await post({ action: "status", count: 0 }), 400, /^count must be/);
    assertError(await post({ action: "status", delay_ms: 5 }), 400, /unknown field\(s\) delay_ms/);
    assertError(await post({ action: "status", pathPrefix: "ai" }), 400, /^pathPrefix/);
    assert.deepEqual(await emu.faults(), []);
  });

  it("FaultQueue: a matching fault that does not fire lets the request through without trying later faults", () => {
    const queue = new FaultQueue();
    queue.add({ action: "status", everyNth: 3 });
    queue.add({ action: "drop-before" });
    assert.equal(queue.take("GET", "/ai/llm"), undefined);
    assert.equal(queue.take("GET", "/ai/llm"), undefined);
    assert.equal(queue.take("GET", "/ai/llm")?.action, "status");
    assert.equal(queue.take("GET", "/ai/llm")?.action, "drop-before");
    assert.equal(queue.take("GET", "/ai/llm"), undefined);
  });
});
