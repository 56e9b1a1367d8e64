import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import http from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { FlashbackClient } from "../../src/client";
import { AiLlmConfigProvider } from "../../src/provider/provider";
import type { AiLlmConfigInputs } from "../../src/provider/inputs";
import { EmulatorHandle } from "../../support/emulator";

/*
 * A bearer token must never travel over plain http to a host that is not this
 * machine: the client refuses such a base URL when it is built, before any
 * connection, unless `allowInsecureHttp` says the network is trusted; and the
 * provider passes that refusal on, saying why, without the token.
 */

const TOKEN = `plain-http-token-${randomBytes(12).toString("hex")}`;
const REFRESH = `plain-http-refresh-${randomBytes(12).toString("hex")}`;
const SECRET = `sk-plain-http-${randomBytes(12).toString("hex")}`;

/**
 * Records every connection attempt made in this process while `fn` runs: undici's
 * own channels (the client uses undici) and Node's `net` client sockets.
 */
async function connectionsDuring(fn: () => unknown | Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const channels: Array<[string, (message: unknown) => void]> = [
    [
      "undici:client:beforeConnect",
      (m) => seen.push(`undici connect ${JSON.stringify((m as { connectParams?: unknown }).connectParams)}`),
    ],
    [
      "undici:request:create",
      (m) => seen.push(`undici request ${String((m as { request?: { origin?: unknown } }).request?.origin)}`),
    ],
    ["net.client.socket", () => seen.push("net socket")],
  ];
  for (const [name, listener] of channels) diagnostics.subscribe(name, listener);
  try {
    await fn();
  } finally {
    for (const [name, listener] of channels) diagnostics.unsubscribe(name, listener);
  }
  return seen;
}

/** Hosts that are not loopback: names, private and public IPv4, IPv6, and look-alikes of loopback names. */
const remoteHost = fc.oneof(
  fc.domain().filter((d) => d.toLowerCase() !== "localhost"),
  fc.ipV4().filter((ip) => !ip.startsWith("127.")),
  fc.constantFrom(
    "example.com",
    "10.1.2.3",
    "192.168.0.10",
    "169.254.169.254",
    "0.0.0.0",
    "[::2]",
    "[fe80::1]",
    "[::ffff:10.0.0.1]",
    "localhost.example.com",
    "127.0.0.1.nip.io",
    "localhost.",
    "backend.flashback.tech",
  ),
);

describe("security: no bearer token over plain http to a remote host", () => {
  it("refuses http://example.com at construction, before any connection, without the token in the error", async () => {
    let thrown: unknown;
    const attempts = await connectionsDuring(() => {
      try {
        new FlashbackClient({ baseUrl: "http://example.com", accessToken: TOKEN, refreshToken: REFRESH });
      } catch (error) {
        thrown = error;
      }
    });
    assert.ok(thrown instanceof Error, "the constructor throws");
    assert.match(thrown.message, /plain http/);
    assert.match(thrown.message, /https:\/\//, "the message says how to fix it");
    assert.match(thrown.message, /allowInsecureHttp/);
    for (const text of [thrown.message, String(thrown.stack), JSON.stringify(thrown)]) {
      assert.ok(!text.includes(TOKEN) && !text.includes(REFRESH), "the error holds a credential");
    }
    assert.deepEqual(attempts, [], "no connection was attempted");
  });

  it("refuses plain http to any non-loopback host; https anywhere and allowInsecureHttp are accepted", async () => {
    await fc.assert(
      fc.asyncProperty(
        remoteHost,
        fc.option(fc.integer({ min: 1, max: 65535 })),
        fc.webPath(),
        async (host, port, p) => {
          const authority = port === null ? host : `${host}:${port}`;
          const attempts = await connectionsDuring(async () => {
            assert.throws(
              () => new FlashbackClient({ baseUrl: `http://${authority}${p}`, accessToken: TOKEN }),
              (e: Error) => /plain http/.test(e.message) && !e.message.includes(TOKEN),
              `http://${authority}${p} must be refused`,
            );
            await new FlashbackClient({ baseUrl: `https://${authority}${p}`, accessToken: TOKEN }).close();
            await new FlashbackClient({
              baseUrl: `http://${authority}${p}`,
              accessToken: TOKEN,
              allowInsecureHttp: true,
            }).close();
          });
          assert.deepEqual(attempts, [], "building a client connects nowhere");
        },
      ),
      { seed: 90_210, numRuns: 200 },
    );
  });

  it("accepts plain http to 127.0.0.1, localhost and [::1], and really talks to loopback", async () => {
    for (const baseUrl of [
      "http://127.0.0.1:8787",
      "http://localhost:8787",
      "http://[::1]:8787",
      "http://127.3.2.1",
    ]) {
      await new FlashbackClient({ baseUrl, accessToken: TOKEN }).close();
    }
    const emu = await EmulatorHandle.start({ tokens: [TOKEN] });
    const client = new FlashbackClient({ baseUrl: emu.url, accessToken: TOKEN });
    try {
      assert.match(emu.url, /^http:\/\/127\.0\.0\.1:/);
      // Also the positive control of the detector the other tests rely on: a real call is seen.
      const attempts = await connectionsDuring(async () => assert.deepEqual(await client.listAiLlms(), []));
      assert.ok(
        attempts.some((a) => a.startsWith("undici connect")),
        `connection not detected: ${attempts.join("; ")}`,
      );
    } finally {
      await client.close();
      await emu.close();
    }
  });

  it("does not follow a redirect, so the token never reaches another origin", async () => {
    let elsewhere = 0;
    const other = http.createServer((_req, res) => {
      elsewhere += 1;
      res.end("{}");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const redirector = http.createServer((_req, res) => {
      res.writeHead(307, { location: `${otherUrl}/ai/llm` });
      res.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    const client = new FlashbackClient({
      baseUrl: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`,
      accessToken: TOKEN,
      maxRetries: 0,
    });
    try {
      await assert.rejects(client.listAiLlms(), (e: Error) => !e.message.includes(TOKEN));
      assert.equal(elsewhere, 0, "the redirect target was contacted");
    } finally {
      await client.close();
      redirector.closeAllConnections();
      other.closeAllConnections();
      await new Promise((resolve) => redirector.close(resolve));
      await new Promise((resolve) => other.close(resolve));
    }
  });

  describe("through the provider", () => {
    const saved: Record<string, string | undefined> = {};
    const VARS = [
      "FLASHBACK_API_URL",
      "FLASHBACK_TOKEN",
      "FLASHBACK_REFRESH_TOKEN",
      "FLASHBACK_REQUEST_TIMEOUT_MS",
    ];
    beforeEach(() => {
      for (const name of VARS) saved[name] = process.env[name];
      for (const name of VARS) delete process.env[name];
    });
    afterEach(() => {
      for (const name of VARS) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    });

    const inputs: AiLlmConfigInputs = {
      name: "Plain http",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      secret: SECRET,
      workspaceId: "ws-a",
    };

    function assertExplains(error: unknown): void {
      assert.ok(error instanceof Error, String(error));
      assert.match(error.message, /plain http/, "the message says why");
      assert.match(error.message, /10\.1\.2\.3/, "the message names the host");
      // Through the provider, the message names what a Pulumi user sets, not client options.
      assert.match(error.message, /flashback:apiUrl \(FLASHBACK_API_URL\)|use an https:\/\/ URL/);
      assert.doesNotMatch(error.message, /allowInsecureHttp|baseUrl|FlashbackClient:/);
      for (const text of [error.message, String(error.stack), JSON.stringify(error)]) {
        for (const value of [TOKEN, REFRESH, SECRET])
          assert.ok(!text.includes(value), "a credential is in the error");
      }
    }

    it("FLASHBACK_API_URL=http://10.1.2.3: create fails, says why, no token, no connection", async () => {
      process.env.FLASHBACK_API_URL = "http://10.1.2.3";
      process.env.FLASHBACK_TOKEN = TOKEN;
      process.env.FLASHBACK_REFRESH_TOKEN = REFRESH;
      const provider = new AiLlmConfigProvider({ warn: () => undefined });
      let first: unknown;
      let second: unknown;
      const attempts = await connectionsDuring(async () => {
        first = await provider.create(inputs).then(
          () => undefined,
          (e: unknown) => e,
        );
        // Remembered: a later call fails the same way instead of going through.
        second = await provider.read("some-id", { ...inputs, aiLlmId: "some-id", repos: [] }).then(
          () => undefined,
          (e: unknown) => e,
        );
      });
      assertExplains(first);
      assertExplains(second);
      assert.deepEqual(attempts, [], "no connection was attempted");
    });

    it("flashback:apiUrl=http://10.1.2.3 in stack configuration: configure fails the same way", async () => {
      const config: Record<string, string> = {
        "flashback:apiUrl": "http://10.1.2.3:8787",
        "flashback:token": TOKEN,
      };
      const provider = new AiLlmConfigProvider({ warn: () => undefined });
      const attempts = await connectionsDuring(async () => {
        await assert.rejects(
          provider.configure({ config: { get: (key: string) => config[key] } } as never),
          (e: unknown) => (assertExplains(e), true),
        );
        await assert.rejects(provider.create(inputs), (e: unknown) => (assertExplains(e), true));
      });
      assert.deepEqual(attempts, []);
    });
  });
});
