import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { installedPackage } from "../../support/installedPackage";
import { EmulatorHandle } from "../../support/emulator";
import { EngineStack, ensurePulumiRoot } from "../../support/engine";

// The package as `npm install` puts it in a user's project (see installedPackage.ts).
const { AiLlmConfig } = installedPackage();

/*
 * Access tokens that live two seconds and a refresh token: a long `up` and a
 * `refresh` complete, renewing as they go. With neither credential valid, the
 * error says which setting to fix.
 */

const REFRESH_TOKEN = `refresh-${randomBytes(12).toString("hex")}`;
const COUNT = 30;

describe("expiring credentials through the real engine", function () {
  this.timeout(600_000);
  let emulator: EmulatorHandle;

  before(async () => {
    ensurePulumiRoot();
    emulator = await EmulatorHandle.start({
      tokens: [],
      refreshTokens: [{ refreshToken: REFRESH_TOKEN, workspaces: ["ws-exp"] }],
      accessTokenTtlSeconds: 2,
    });
  });

  after(async () => {
    await emulator?.close();
  });

  function declare() {
    for (let i = 0; i < COUNT; i++) {
      new AiLlmConfig(`exp-${i}`, {
        name: `exp-${i}`,
        aiType: "OPENAI",
        endpoint: "https://api.openai.com/v1",
        secret: `sk-${i}`,
        workspaceId: "ws-exp",
      });
    }
  }

  it("a long up and a refresh renew short-lived access tokens as they go", async () => {
    const engine = await EngineStack.create({
      program: async () => declare(),
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:refreshToken": { value: REFRESH_TOKEN, secret: true },
      },
    });
    try {
      // Every create is slowed down so that the run outlives several access tokens.
      await emulator.fault({
        method: "POST",
        pathPrefix: "/ai/llm",
        action: "delay",
        delayMs: 300,
        count: COUNT,
      });
      const started = Date.now();
      const up = await engine.up({ parallel: 2 });
      const upSeconds = (Date.now() - started) / 1000;
      assert.equal(up.summary.result, "succeeded");
      assert.equal((await emulator.state()).aiLlms.length, COUNT);
      const refreshesDuringUp = (await emulator.requests()).filter((r) => r.path === "/user/refresh").length;
      assert.ok(upSeconds > 4, `the up outlived two access tokens (${upSeconds}s)`);
      assert.ok(refreshesDuringUp >= 2, `renewed during the up (${refreshesDuringUp} refreshes)`);
      const unauthorized = (await emulator.requests()).filter((r) => r.status === 401).length;
      console.log(
        `      up of ${COUNT} took ${upSeconds.toFixed(1)} s with ${refreshesDuringUp} token refreshes, ${unauthorized} 401s`,
      );

      await emulator.clearRequests();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const refresh = await engine.refresh({ parallel: 2 });
      assert.equal(refresh.summary.result, "succeeded");
      assert.ok((await emulator.requests()).some((r) => r.path === "/user/refresh"));
      assert.ok(!(await engine.everythingWritten()).includes(REFRESH_TOKEN), "refresh token written");
      await engine.destroy();
    } finally {
      await engine.cleanup();
    }
  });

  it("with neither credential valid, the error names the setting to fix", async () => {
    const badRefresh = `refresh-bad-${randomBytes(8).toString("hex")}`;
    const engine = await EngineStack.create({
      program: async () => declare(),
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: "expired-access-token", secret: true },
        "flashback:refreshToken": { value: badRefresh, secret: true },
      },
    });
    try {
      await assert.rejects(engine.up(), (error: Error) => {
        assert.match(error.message, /flashback:refreshToken|FLASHBACK_REFRESH_TOKEN/);
        assert.ok(!error.message.includes(badRefresh), "the refresh token is not in the message");
        return true;
      });
      assert.ok(!(await engine.everythingWritten()).includes(badRefresh));
    } finally {
      await engine.cleanup();
    }
  });
});
