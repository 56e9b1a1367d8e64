import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { installedPackage } from "../../support/installedPackage";
import { EmulatorHandle } from "../../support/emulator";
import { EngineStack, ensurePulumiRoot } from "../../support/engine";

// The package as `npm install` puts it in a user's project (see installedPackage.ts).
const { AiLlmConfig } = installedPackage();

/*
 * 100 configurations with --parallel 16 against an emulator that rate-limits
 * the token: every configuration is created exactly once, no step fails, and
 * the 429s the client absorbed are counted and printed.
 */

const COUNT = 100;
const RATE_LIMIT_PER_SECOND = 40;
const TOKEN = `load-token-${randomBytes(8).toString("hex")}`;

describe("load: 100 configurations, --parallel 16, rate-limited API", function () {
  this.timeout(600_000);
  let emulator: EmulatorHandle;
  let engine: EngineStack;

  before(async () => {
    ensurePulumiRoot();
    emulator = await EmulatorHandle.start({
      tokens: [{ token: TOKEN, workspaces: ["ws-load"] }],
      rateLimitPerSecond: RATE_LIMIT_PER_SECOND,
    });
    engine = await EngineStack.create({
      program: async () => {
        for (let i = 0; i < COUNT; i++) {
          new AiLlmConfig(`load-${i}`, {
            name: `load-${i}`,
            aiType: "OTHER",
            endpoint: `https://llm-${i}.example.com/v1`,
            secret: `sk-${i}`,
            workspaceId: "ws-load",
          });
        }
      },
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
      },
    });
  });

  after(async () => {
    await engine?.cleanup();
    await emulator?.close();
  });

  it("creates every configuration exactly once with no failed step", async () => {
    const started = Date.now();
    const result = await engine.up({ parallel: 16 });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(result.summary.result, "succeeded");
    assert.equal(result.summary.resourceChanges?.create, COUNT + 1);
    const live = (await emulator.state()).aiLlms;
    assert.equal(live.length, COUNT);
    assert.equal(new Set(live.map((c) => c.name)).size, COUNT, "each name once");
    const requests = await emulator.requests();
    const rateLimited = requests.filter((r) => r.status === 429).length;
    const creates = requests.filter((r) => r.method === "POST" && r.path === "/ai/llm" && r.status === 200);
    assert.equal(creates.length, COUNT, "exactly one successful create per configuration");
    assert.ok(rateLimited > 0, "the rate limit was reached, so the retries were exercised");
    console.log(
      `      ${COUNT} created in ${seconds.toFixed(1)} s; ${requests.length} API requests, ` +
        `${rateLimited} answered 429 (limit ${RATE_LIMIT_PER_SECOND}/s per token)`,
    );
  });

  it("destroys them all", async () => {
    await emulator.clearRequests();
    const result = await engine.destroy({ parallel: 16 });
    assert.equal(result.summary.result, "succeeded");
    assert.deepEqual((await emulator.state()).aiLlms, []);
  });
});
