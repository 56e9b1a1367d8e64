import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { isFlashbackError } from "../../src/client";
import {
  AiLlmConfigNotFoundError,
  LookupError,
  getAiLlmConfig,
  getAiLlmConfigOutput,
  getAiLlmConfigs,
  getAiLlmConfigsOutput,
  getAiLlmStats,
  getAvailableAiLlms,
} from "../../src/lookups";
import type { FlashbackProvider } from "../../src/resource/flashbackProvider";
import { EmulatorHandle } from "../../support/emulator";

/*
 * The lookups called straight from a test, against the emulator: settings from the
 * environment (as a CD job sets them), and from a provider stand-in with the Outputs of a
 * FlashbackProvider (a real one needs the engine: test/engine/lookups.engine.test.ts).
 */

const TOKEN = `lookup-${randomBytes(12).toString("hex")}`;
const OTHER_TOKEN = `other-${randomBytes(12).toString("hex")}`;
const SECRET = `sk-lookup-${randomBytes(12).toString("hex")}`;
const ENV_KEYS = [
  "FLASHBACK_API_URL",
  "FLASHBACK_TOKEN",
  "FLASHBACK_REFRESH_TOKEN",
  "FLASHBACK_REQUEST_TIMEOUT_MS",
];

/** The value of an Output once known (the runtime's own promise; rejects with its error). */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/** A stand-in with the members of a FlashbackProvider that lookups read. */
function providerStandIn(args: {
  apiUrl: pulumi.Input<string>;
  token?: string;
  refreshToken?: string;
  requestTimeoutMs?: number;
}): FlashbackProvider {
  return {
    urn: pulumi.output("urn:pulumi:dev::lookups::pulumi:providers:pulumi-nodejs::partner"),
    apiUrl: pulumi.output(args.apiUrl),
    token: args.token === undefined ? pulumi.output(undefined) : pulumi.secret(args.token),
    refreshToken:
      args.refreshToken === undefined ? pulumi.output(undefined) : pulumi.secret(args.refreshToken),
    requestTimeoutMs: pulumi.output(args.requestTimeoutMs),
  } as unknown as FlashbackProvider;
}

describe("lookups against the emulator", function () {
  this.timeout(30_000);

  let emulator: EmulatorHandle;
  let other: EmulatorHandle;
  const saved: Record<string, string | undefined> = {};
  /** Ids by name, of the configurations made by hand in before(). */
  const ids: Record<string, string> = {};

  async function create(name: string, workspaceId: string, endpoint = "https://api.openai.com/v1") {
    const created = await emulator.api(
      "POST",
      "/ai/llm",
      { name, aiType: "OPENAI", endpoint, secret: SECRET, workspaceId },
      TOKEN,
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    ids[name] = created.body.aiLlmId;
  }

  /** The API requests since the last clear, as `METHOD path?query`. */
  async function requests(handle = emulator): Promise<string[]> {
    return (await handle.requests()).map((r) => `${r.method} ${r.path}${r.query}`);
  }

  function assertNothingSecret(value: unknown): void {
    const text = JSON.stringify(value) + (value instanceof Error ? `${value.message}\n${value.stack}` : "");
    for (const [label, secret] of Object.entries({ TOKEN, OTHER_TOKEN, SECRET })) {
      assert.ok(!text.includes(secret), `${label} appears in ${text}`);
    }
  }

  before(async () => {
    for (const key of ENV_KEYS) saved[key] = process.env[key];
    emulator = await EmulatorHandle.start({
      tokens: [{ token: TOKEN, workspaces: ["ws-1", "ws-2", "ws-empty"] }],
    });
    other = await EmulatorHandle.start({ tokens: [{ token: OTHER_TOKEN, workspaces: ["ws-1"] }] });
    await create("Shared OpenAI", "ws-1");
    await create("Team Claude", "ws-1", "https://api.anthropic.com/v1");
    await create("Elsewhere", "ws-2");
    await emulator.seed({ repos: [{ id: "repo-1", name: "support-bot", aiLlmId: ids["Shared OpenAI"] }] });
    // Validated ones are "available".
    for (const name of ["Shared OpenAI", "Elsewhere"]) {
      assert.equal(
        (await emulator.api("POST", `/ai/llm/${ids[name]}/validate`, undefined, TOKEN)).status,
        200,
      );
    }
  });

  beforeEach(async () => {
    for (const key of ENV_KEYS) delete process.env[key];
    process.env.FLASHBACK_API_URL = emulator.url;
    process.env.FLASHBACK_TOKEN = TOKEN;
    await emulator.clearRequests();
    await other.clearRequests();
  });

  after(async () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await Promise.all([emulator?.close(), other?.close()]);
  });

  it("getAiLlmConfig by name: the configuration's fields, no credential, one GET", async () => {
    const found = await getAiLlmConfig({ workspaceId: "ws-1", name: "Shared OpenAI" });
    const live = (await emulator.state()).aiLlms.find((c) => c.id === ids["Shared OpenAI"]);
    assert.ok(live);
    assert.deepEqual(found, {
      id: live.id,
      name: "Shared OpenAI",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      workspaceId: "ws-1",
      orgId: live.orgId,
      userId: live.userId,
      createdAt: live.createdAt,
      repos: ["support-bot"],
    });
    assertNothingSecret(found);
    assert.deepEqual(await requests(), ["GET /ai/llm?workspaceId=ws-1"]);
  });

  it("getAiLlmConfig by id", async () => {
    const found = await getAiLlmConfig({ workspaceId: "ws-1", id: ids["Team Claude"] });
    assert.equal(found.name, "Team Claude");
    assert.equal(found.endpoint, "https://api.anthropic.com/v1");
    assert.deepEqual(found.repos, []);
    assert.deepEqual(await requests(), ["GET /ai/llm?workspaceId=ws-1"]);
  });

  it("an id from another workspace is not found in this one", async () => {
    await assert.rejects(
      getAiLlmConfig({ workspaceId: "ws-1", id: ids["Elsewhere"] }),
      (error: Error) =>
        error instanceof AiLlmConfigNotFoundError &&
        error.message.includes(`with id "${ids["Elsewhere"]}" in workspace "ws-1"`),
    );
  });

  it("not found: names the workspace, the name and how many configurations it holds; nothing secret", async () => {
    const error = await getAiLlmConfig({ workspaceId: "ws-1", name: "Missing" }).then(
      () => assert.fail("expected a rejection"),
      (e: unknown) => e as AiLlmConfigNotFoundError,
    );
    assert.ok(error instanceof AiLlmConfigNotFoundError);
    assert.equal(
      error.message,
      'getAiLlmConfig: no AI LLM configuration named "Missing" in workspace "ws-1"; the workspace holds 2 configurations',
    );
    assert.deepEqual([error.workspaceId, error.selector, error.count], ["ws-1", { name: "Missing" }, 2]);
    assertNothingSecret(error);
    assert.deepEqual(await requests(), ["GET /ai/llm?workspaceId=ws-1"]);
  });

  it("not found: an empty (or unreachable) workspace, and a name that differs only in case, say so", async () => {
    await assert.rejects(
      getAiLlmConfig({ workspaceId: "ws-empty", name: "Shared OpenAI" }),
      /in workspace "ws-empty"; the workspace holds no configuration these credentials can see/,
    );
    await assert.rejects(
      getAiLlmConfig({ workspaceId: "ws-1", name: "shared openai" }),
      /holds 2 configurations; "Shared OpenAI" differs only in case/,
    );
  });

  it("bad arguments fail before any request", async () => {
    const bad: unknown[] = [
      { workspaceId: "ws-1" },
      { workspaceId: "ws-1", name: "Shared OpenAI", id: ids["Shared OpenAI"] },
      { workspaceId: "", name: "x" },
      { workspaceId: "ws-1", name: " " },
    ];
    for (const args of bad) {
      await assert.rejects(getAiLlmConfig(args as never), LookupError, JSON.stringify(args));
    }
    await assert.rejects(
      getAiLlmConfigs({ workspaceId: "" }),
      /getAiLlmConfigs: workspaceId must be a non-empty/,
    );
    await assert.rejects(
      valueOf(getAiLlmConfigOutput({ workspaceId: pulumi.output(""), name: "x" })),
      /^LookupError: getAiLlmConfig: workspaceId must be a non-empty string$/,
    );
    assert.deepEqual(await requests(), []);
  });

  it("getAiLlmConfigs lists one workspace with one GET", async () => {
    const listed = await getAiLlmConfigs({ workspaceId: "ws-1" });
    assert.equal(listed.workspaceId, "ws-1");
    assert.deepEqual(listed.configs.map((c) => c.name).sort(), ["Shared OpenAI", "Team Claude"]);
    assertNothingSecret(listed);
    assert.deepEqual(await requests(), ["GET /ai/llm?workspaceId=ws-1"]);
  });

  it("getAvailableAiLlms: every reachable workspace, or one when workspaceId is given; one GET each", async () => {
    const all = await getAvailableAiLlms();
    assert.deepEqual(all.configs.map((c) => c.name).sort(), ["Elsewhere", "Shared OpenAI"]);
    assert.equal("workspaceId" in all, false);
    const one = await getAvailableAiLlms({ workspaceId: "ws-1" });
    assert.deepEqual(one, {
      workspaceId: "ws-1",
      configs: [all.configs.find((c) => c.workspaceId === "ws-1")],
    });
    assert.deepEqual(await requests(), ["GET /ai/llm/available", "GET /ai/llm/available"]);
  });

  it("getAiLlmStats: the API's own aiLlmId filter, counters as numbers; one GET each", async () => {
    const all = await getAiLlmStats();
    assert.deepEqual(all.stats.map((s) => s.aiLlmId).sort(), Object.values(ids).sort());
    const one = await getAiLlmStats({ aiLlmId: ids["Team Claude"] });
    assert.deepEqual(one, {
      aiLlmId: ids["Team Claude"],
      stats: [
        {
          aiLlmId: ids["Team Claude"],
          totalApiCalls: 0,
          totalTokensIn: 0,
          totalTokensOut: 0,
          totalLlmTokensIn: 0,
          totalLlmTokensOut: 0,
          totalPolicyViolations: 0,
          totalAlerts: 0,
          totalBlocks: 0,
        },
      ],
    });
    assert.deepEqual(await requests(), [
      "GET /ai/llm/stats",
      `GET /ai/llm/stats?aiLlmId=${ids["Team Claude"]}`,
    ]);
  });

  it("missing settings fail naming both ways to set them, without a request", async () => {
    delete process.env.FLASHBACK_TOKEN;
    await assert.rejects(
      getAiLlmConfig({ workspaceId: "ws-1", name: "Shared OpenAI" }),
      /^LookupError: getAiLlmConfig \(workspace "ws-1"\): no Flashback credential is set: run `pulumi config set --secret flashback:token/,
    );
    assert.deepEqual(await requests(), []);
  });

  it("a rejected token fails with the API's status, the lookup named and the token not quoted", async () => {
    process.env.FLASHBACK_TOKEN = OTHER_TOKEN;
    const error = await getAiLlmConfigs({ workspaceId: "ws-1" }).then(
      () => assert.fail("expected a rejection"),
      (e: Error) => e,
    );
    assert.match(
      error.message,
      /^getAiLlmConfigs \(workspace "ws-1"\): Flashback API GET \/ai\/llm failed with 401/,
    );
    assertNothingSecret(error);
    const { original } = error as LookupError;
    assert.ok(
      isFlashbackError(original) && original.status === 401,
      "the client's error is kept as original",
    );
  });

  it("an escaped lookup error prints as its message alone, fast, even with colors", async () => {
    // Pulumi's handler formats escaped errors with util.inspect(colors), which on Node 20.20
    // loops on frames such as `node_modules/@pulumi/output.ts:1:1`; lookup errors have none.
    process.env.FLASHBACK_TOKEN = OTHER_TOKEN;
    const failed = getAiLlmConfigOutput({ workspaceId: "ws-1", name: "Shared OpenAI" });
    const error = await valueOf(failed).then(
      () => assert.fail("expected a rejection"),
      (e: Error) => e,
    );
    assert.ok(error instanceof LookupError && pulumi.RunError.isInstance(error));
    assert.equal(error.stack, `LookupError: ${error.message}`);
    const started = Date.now();
    const printed = inspect(error, { colors: true });
    assert.ok(Date.now() - started < 1_000, "formatted in under a second");
    assert.ok(!printed.includes("node_modules") && !printed.includes("original"), printed);
    process.env.FLASHBACK_TOKEN = TOKEN;
    const notFound = await getAiLlmConfig({ workspaceId: "ws-1", name: "Missing" }).then(
      () => assert.fail("expected a rejection"),
      (e: Error) => e,
    );
    assert.equal(notFound.stack, `AiLlmConfigNotFoundError: ${notFound.message}`);
  });

  it("an explicit provider uses its own arguments, never the environment", async () => {
    // The environment points at the first account; the provider at the second.
    const partner = providerStandIn({ apiUrl: other.url, token: OTHER_TOKEN, requestTimeoutMs: 5_000 });
    const listed = await getAiLlmConfigs({ workspaceId: "ws-1" }, { provider: partner });
    assert.deepEqual(listed.configs, []);
    assert.deepEqual(await requests(other), ["GET /ai/llm?workspaceId=ws-1"]);
    assert.deepEqual(await requests(), []);

    const withoutCredential = providerStandIn({ apiUrl: other.url });
    const error = await getAiLlmConfigs({ workspaceId: "ws-1" }, { provider: withoutCredential }).then(
      () => assert.fail("expected a rejection"),
      (e: Error) => e,
    );
    assert.equal(
      error.message,
      'getAiLlmConfigs (workspace "ws-1"): FlashbackProvider "partner": no credential is set: pass token (an access token) or refreshToken',
    );
    await assert.rejects(
      getAiLlmConfigs({ workspaceId: "ws-1" }, { provider: {} as FlashbackProvider }),
      /^LookupError: getAiLlmConfigs \(workspace "ws-1"\): opts.provider must be a FlashbackProvider/,
    );
  });

  it("a provider whose arguments are not known yet: the plain form says to use the Output form", async () => {
    const pending = providerStandIn({
      apiUrl: pulumi.output(pulumi.unknown as unknown as string),
      token: TOKEN,
    });
    await assert.rejects(
      getAiLlmConfig({ workspaceId: "ws-1", name: "Shared OpenAI" }, { provider: pending }),
      /getAiLlmConfig \(workspace "ws-1"\): the arguments of FlashbackProvider "partner" are not known yet .* use getAiLlmConfigOutput, which waits for them$/,
    );
    assert.deepEqual(await requests(), []);
  });

  it("Output forms: same result, not secret although the provider's token is, secret when an argument is", async () => {
    const partner = providerStandIn({ apiUrl: emulator.url, token: TOKEN });
    const found = getAiLlmConfigOutput(
      { workspaceId: pulumi.output("ws-1"), name: "Shared OpenAI" },
      { provider: partner },
    );
    assert.equal(await pulumi.isSecret(found), false);
    assert.deepEqual(
      await valueOf(found),
      await getAiLlmConfig({ workspaceId: "ws-1", name: "Shared OpenAI" }),
    );
    const secretArgs = getAiLlmConfigsOutput({ workspaceId: pulumi.secret("ws-1") });
    assert.equal(await pulumi.isSecret(secretArgs), true);
    assert.equal((await valueOf(secretArgs)).configs.length, 2);
    assert.deepEqual(await requests(), [
      "GET /ai/llm?workspaceId=ws-1",
      "GET /ai/llm?workspaceId=ws-1",
      "GET /ai/llm?workspaceId=ws-1",
    ]);
  });

  it("Output form: not found rejects the Output with the same message", async () => {
    const missing = getAiLlmConfigOutput({ workspaceId: "ws-1", name: pulumi.output("Missing") });
    await assert.rejects(
      valueOf(missing),
      /no AI LLM configuration named "Missing" in workspace "ws-1"; the workspace holds 2/,
    );
  });
});
