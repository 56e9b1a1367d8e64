import assert from "node:assert/strict";
import { FlashbackClient, type FlashbackClientOptions } from "../../src/client";
import { isLoopbackHost } from "../../src/client/options";
import { startScriptedServer, EMPTY_LIST } from "../../support/scriptedServer";

function make(options: Partial<FlashbackClientOptions>): FlashbackClient {
  return new FlashbackClient({ baseUrl: "https://backend.flashback.tech", accessToken: "t", ...options });
}

describe("FlashbackClient construction", () => {
  it("refuses plain http to a non-loopback host", () => {
    for (const baseUrl of [
      "http://backend.flashback.tech",
      "http://10.0.0.1:8787",
      "http://128.0.0.1",
      "http://[::2]",
    ]) {
      assert.throws(() => make({ baseUrl }), /refusing to send a bearer token over plain http/, baseUrl);
    }
  });

  it("allows plain http to loopback, and anywhere with allowInsecureHttp", async () => {
    for (const baseUrl of [
      "http://localhost:8787",
      "http://LOCALHOST",
      "http://127.0.0.1:8787/",
      "http://127.9.8.7",
      "http://[::1]:8787",
      "http://[::ffff:127.0.0.1]",
    ]) {
      await make({ baseUrl }).close();
    }
    await make({ baseUrl: "http://backend.flashback.tech", allowInsecureHttp: true }).close();
    await make({ baseUrl: "https://backend.flashback.tech/" }).close();
  });

  it("refuses a base URL that is not an absolute http(s) URL, without echoing it", () => {
    for (const baseUrl of [
      "",
      "backend.flashback.tech",
      "/ai",
      "ftp://host",
      "file:///etc/passwd",
      "not a url sk-123",
    ]) {
      assert.throws(
        () => make({ baseUrl }),
        (e: Error) => /baseUrl/.test(e.message) && !e.message.includes("sk-123"),
        baseUrl,
      );
    }
    assert.throws(
      () => make({ baseUrl: "https://user:pw@host" }),
      (e: Error) => /user info/.test(e.message) && !e.message.includes("pw"),
    );
    assert.throws(() => make({ baseUrl: "https://host/?token=x" }), /query/);
  });

  it("refuses to start without credentials, naming both settings", () => {
    for (const creds of [{}, { accessToken: "" }, { accessToken: " ", refreshToken: "" }]) {
      assert.throws(
        () => new FlashbackClient({ baseUrl: "https://backend.flashback.tech", ...creds }),
        (e: Error) =>
          /pass accessToken/.test(e.message) &&
          /refreshToken/.test(e.message) &&
          !/flashback:|FLASHBACK_/.test(e.message),
      );
    }
  });

  it("refuses nonsensical numbers", () => {
    assert.throws(() => make({ maxRetries: -1 }), /maxRetries/);
    assert.throws(() => make({ maxRetries: 1.5 }), /maxRetries/);
    assert.throws(() => make({ requestTimeoutMs: 0 }), /requestTimeoutMs/);
    assert.throws(() => make({ deadlineMs: Number.NaN }), /deadlineMs/);
  });

  it("isLoopbackHost", () => {
    assert.ok(isLoopbackHost("127.0.0.1"));
    assert.ok(isLoopbackHost("localhost"));
    assert.ok(isLoopbackHost("[::1]"));
    assert.ok(!isLoopbackHost("localhost.evil.test"));
    assert.ok(!isLoopbackHost("127.0.0.1.evil.test"));
    assert.ok(!isLoopbackHost("0.0.0.0"));
  });

  it("a loopback client really talks to a loopback server", async () => {
    const server = await startScriptedServer({ "GET /ai/llm": [EMPTY_LIST] });
    const client = new FlashbackClient({
      baseUrl: server.url.replace("127.0.0.1", "localhost"),
      accessToken: "t",
    });
    try {
      assert.deepEqual(await client.listAiLlms(), []);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
