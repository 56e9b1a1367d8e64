import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { installedPackage } from "../../support/installedPackage";
import {
  CliProject,
  requireLanguageHost,
  shippedExample,
  type CommandResult,
} from "../../support/cliProject";
import { EmulatorHandle } from "../../support/emulator";
import { EngineStack, ensurePulumiRoot } from "../../support/engine";

const { FlashbackProvider } = installedPackage();
// The lookups as a user imports them, from the package root.
const lookups = installedPackage();

/*
 * A stack that references a configuration managed by another team: the configuration was
 * made by hand in Flashback, not by this stack. The program looks it up by name and exports
 * its id and endpoint; a second lookup asks another account through an explicit
 * FlashbackProvider. Lookups only read: GET requests, during preview too, nothing written
 * in Flashback, no token in the state or the output.
 */

const TOKEN_A = `team-a-${randomBytes(12).toString("hex")}`;
const TOKEN_B = `team-b-${randomBytes(12).toString("hex")}`;
const SECRET = `sk-by-hand-${randomBytes(12).toString("hex")}`;

describe("lookups through the engine: a stack that references a configuration managed by another team", function () {
  this.timeout(180_000);

  let platform: EmulatorHandle;
  let partnerAccount: EmulatorHandle;
  let engine: EngineStack;
  let sharedId: string;
  let partnerId: string;
  /** The name the program looks up in the platform workspace; tests change it. */
  let lookupName = "Shared OpenAI";

  const program = async () => {
    const shared = lookups.getAiLlmConfigOutput({ workspaceId: "ws-platform", name: lookupName });
    const partner = new FlashbackProvider("partner", { apiUrl: partnerAccount.url, token: TOKEN_B });
    const theirs = lookups.getAiLlmConfigOutput(
      { workspaceId: "ws-partner", name: "Partner Claude" },
      { provider: partner },
    );
    // The plain form, awaited in the program.
    const listed = await lookups.getAiLlmConfigs({ workspaceId: "ws-platform" });
    return {
      sharedId: shared.id,
      sharedEndpoint: shared.endpoint,
      sharedRepos: shared.repos,
      partnerId: theirs.id,
      partnerEndpoint: theirs.endpoint,
      platformCount: listed.configs.length,
    };
  };

  async function byHand(
    handle: EmulatorHandle,
    token: string,
    body: Record<string, string>,
  ): Promise<string> {
    const created = await handle.api("POST", "/ai/llm", { ...body, secret: SECRET }, token);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    return created.body.aiLlmId;
  }

  async function clearRequests(): Promise<void> {
    await Promise.all([platform.clearRequests(), partnerAccount.clearRequests()]);
  }

  async function requests(handle: EmulatorHandle): Promise<string[]> {
    return (await handle.requests()).map((r) => `${r.method} ${r.path}${r.query}`);
  }

  async function assertNoCredentialWritten(): Promise<void> {
    const written = await engine.everythingWritten();
    for (const [label, value] of Object.entries({ TOKEN_A, TOKEN_B, SECRET })) {
      assert.ok(!written.includes(value), `${label} appears in plain text in state, export or output`);
    }
  }

  before(async () => {
    ensurePulumiRoot();
    platform = await EmulatorHandle.start({ tokens: [{ token: TOKEN_A, workspaces: ["ws-platform"] }] });
    partnerAccount = await EmulatorHandle.start({ tokens: [{ token: TOKEN_B, workspaces: ["ws-partner"] }] });
    sharedId = await byHand(platform, TOKEN_A, {
      name: "Shared OpenAI",
      aiType: "OPENAI",
      endpoint: "https://openai.platform.example.com/v1",
      workspaceId: "ws-platform",
    });
    await platform.seed({ repos: [{ id: "repo-1", name: "support-bot", aiLlmId: sharedId }] });
    partnerId = await byHand(partnerAccount, TOKEN_B, {
      name: "Partner Claude",
      aiType: "ANTHROPIC",
      endpoint: "https://api.anthropic.com/v1",
      workspaceId: "ws-partner",
    });
    engine = await EngineStack.create({
      program,
      config: {
        "flashback:apiUrl": { value: platform.url },
        "flashback:token": { value: TOKEN_A, secret: true },
      },
    });
  });

  after(async () => {
    await engine?.cleanup();
    await Promise.all([platform?.close(), partnerAccount?.close()]);
  });

  it("preview already looks up, with GET requests only, one per lookup", async () => {
    await clearRequests();
    await engine.preview();
    assert.deepEqual((await requests(platform)).sort(), [
      "GET /ai/llm?workspaceId=ws-platform",
      "GET /ai/llm?workspaceId=ws-platform",
    ]);
    assert.deepEqual(await requests(partnerAccount), ["GET /ai/llm?workspaceId=ws-partner"]);
    await assertNoCredentialWritten();
  });

  it("up exports the id and endpoint of the configuration made by hand, from both accounts, not as secrets", async () => {
    await clearRequests();
    const before = [(await platform.state()).aiLlms, (await partnerAccount.state()).aiLlms];
    const up = await engine.up();
    assert.deepEqual(
      Object.fromEntries(Object.entries(up.outputs).map(([key, output]) => [key, output.value])),
      {
        sharedId,
        sharedEndpoint: "https://openai.platform.example.com/v1",
        sharedRepos: ["support-bot"],
        partnerId,
        partnerEndpoint: "https://api.anthropic.com/v1",
        platformCount: 1,
      },
    );
    for (const [key, output] of Object.entries(up.outputs)) assert.equal(output.secret, false, key);
    // Nothing written in Flashback: the other team's configurations are as they were.
    assert.deepEqual([(await platform.state()).aiLlms, (await partnerAccount.state()).aiLlms], before);
    for (const request of [...(await platform.requests()), ...(await partnerAccount.requests())]) {
      assert.equal(request.method, "GET", `${request.method} ${request.path}`);
    }
    await assertNoCredentialWritten();
  });

  it("a lookup of a name that does not exist fails preview with a clear message and no credential", async () => {
    lookupName = "Shared OpenAl";
    try {
      const error = await engine.preview().then(
        () => assert.fail("preview should have failed"),
        (e: Error) => e,
      );
      assert.match(
        error.message,
        /getAiLlmConfig: no AI LLM configuration named "Shared OpenAl" in workspace "ws-platform"; the workspace holds 1 configuration\b/,
      );
      for (const value of [TOKEN_A, TOKEN_B, SECRET]) assert.ok(!error.message.includes(value));
    } finally {
      lookupName = "Shared OpenAI";
    }
    await assertNoCredentialWritten();
  });

  it("destroy leaves the other teams' configurations in place", async () => {
    await engine.destroy();
    assert.deepEqual(
      (await platform.state()).aiLlms.map((c) => c.id),
      [sharedId],
    );
    assert.deepEqual(
      (await partnerAccount.state()).aiLlms.map((c) => c.id),
      [partnerId],
    );
    await assertNoCredentialWritten();
  });
});

/*
 * The same story through the `pulumi` CLI and its Node.js language host, with the shipped
 * example. This runtime differs from the Automation API's inline one in a way that matters
 * here: it runs programs with V8's debugger enabled, and formats escaped errors with
 * util.inspect(colors). A failing lookup once kept `pulumi preview` busy for minutes there
 * and lost its message, while the inline engine failed at once.
 */

const CLI_TOKEN = `cli-lookup-${randomBytes(12).toString("hex")}`;

describe("examples/lookup through the pulumi CLI", function () {
  this.timeout(300_000);
  requireLanguageHost();

  let emulator: EmulatorHandle;
  let project: CliProject;
  let sharedId: string;

  /** Runs a CLI command, killing its process group if it has not ended after `limitMs`. */
  function runWithin(args: string[], limitMs: number): Promise<CommandResult & { ms: number }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const child = project.spawn(args);
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk) => (stdout += chunk));
      child.stderr?.on("data", (chunk) => (stderr += chunk));
      const timer = setTimeout(() => {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      }, limitMs);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        const text = `${stdout}\n${stderr}`;
        project.output.push(`$ pulumi ${args.join(" ")}\n${text}`);
        resolve({ code, stdout, stderr, text, ms: Date.now() - started });
      });
    });
  }

  before(async () => {
    emulator = await EmulatorHandle.start({ tokens: [{ token: CLI_TOKEN, workspaces: ["ws-platform"] }] });
    const created = await emulator.api(
      "POST",
      "/ai/llm",
      {
        name: "Shared OpenAI",
        aiType: "OPENAI",
        endpoint: "https://openai.platform.example.com/v1",
        secret: SECRET,
        workspaceId: "ws-platform",
      },
      CLI_TOKEN,
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    sharedId = created.body.aiLlmId;
    project = await CliProject.create({
      files: shippedExample("lookup"),
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: CLI_TOKEN, secret: true },
        workspaceId: { value: "ws-platform" },
      },
    });
  });

  after(async () => {
    await project?.cleanup();
    await emulator?.close();
  });

  it("up exports what the lookup found, not as secrets, and writes nothing in Flashback", async () => {
    const before = (await emulator.state()).aiLlms;
    await emulator.clearRequests();
    await project.mustRun(["up", "--yes"]);
    const outputs = await project.outputs();
    assert.deepEqual(outputs, {
      sharedId,
      sharedEndpoint: "https://openai.platform.example.com/v1",
      sharedAiType: "OPENAI",
      sharedRepos: [],
    });
    assert.deepEqual((await emulator.state()).aiLlms, before);
    const requests = await emulator.requests();
    assert.ok(requests.length > 0);
    for (const request of requests) assert.equal(request.method, "GET", request.path);
  });

  it("a missing name fails preview at once with the message alone", async () => {
    await project.setConfig("configurationName", "Shared OpenAl");
    const preview = await runWithin(["preview"], 90_000);
    assert.notEqual(preview.code, 0, preview.text);
    assert.match(
      preview.text,
      /error: getAiLlmConfig: no AI LLM configuration named "Shared OpenAl" in workspace "ws-platform"; the workspace holds 1 configuration\n/,
    );
    assert.doesNotMatch(preview.text, /Unhandled exception|out of memory|at .*\.js:\d+/);
    assert.ok(preview.ms < 20_000, `preview took ${preview.ms} ms`);
  });

  it("no token or secret is written anywhere", async () => {
    const written = await project.everythingWritten();
    for (const [label, value] of Object.entries({ CLI_TOKEN, SECRET })) {
      assert.ok(!written.includes(value), `${label} appears in plain text in state, history or output`);
    }
  });
});
