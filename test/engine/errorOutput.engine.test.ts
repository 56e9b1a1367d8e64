import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { installedPackage } from "../../support/installedPackage";
import { EmulatorHandle } from "../../support/emulator";
import { EngineStack, ensurePulumiRoot } from "../../support/engine";

const { AiLlmConfig } = installedPackage();

/*
 * What a user reads when an operation fails for a reason they can fix: the message,
 * once, and no stack trace (the dynamic-provider host would otherwise log each such
 * failure with its trace, and the engine print it again).
 */

const TOKEN = `noise-token-${randomBytes(12).toString("hex")}`;

/** Lines that look like stack frames: "    at fn (file:line:col)" or "    at file:line:col". */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/**
 * The CLI's "Diagnostics:" section, where each resource's errors are listed. (The progress
 * lines above it show the error once more; that is the CLI's own layout.)
 */
function diagnostics(output: string): string {
  const start = output.lastIndexOf("Diagnostics:");
  assert.ok(start >= 0, `no Diagnostics section in:\n${output}`);
  const end = output.indexOf("Resources:", start);
  return output.slice(start, end < 0 ? undefined : end);
}

describe("expected failures print one message and no stack trace", function () {
  this.timeout(180_000);
  let emulator: EmulatorHandle;

  before(async () => {
    ensurePulumiRoot();
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: ["ws-n"] }] });
  });
  after(async () => emulator?.close());

  const program = async () => {
    new AiLlmConfig("noisy", {
      name: "noisy",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      secret: "sk-noise",
      workspaceId: "ws-n",
    });
  };

  /** Everything the failed operation printed: the CLI output and the error the Automation API raised. */
  async function failureText(run: () => Promise<unknown>, engine: EngineStack): Promise<string> {
    const before = engine.output.length;
    const error = await run().then(
      () => assert.fail("the operation should have failed"),
      (e: Error) => e,
    );
    return `${engine.output.slice(before).join("")}\n${(error as Error).message}`;
  }

  it("a missing credential at preview", async () => {
    const engine = await EngineStack.create({
      program,
      config: { "flashback:apiUrl": { value: emulator.url } },
    });
    try {
      const text = await failureText(() => engine.preview(), engine);
      assert.ok(occurrences(text, "no Flashback credential is set") >= 1, text);
      const listed = diagnostics(engine.output.join(""));
      assert.equal(occurrences(listed, "no Flashback credential is set"), 1, listed);
      assert.doesNotMatch(text, STACK_FRAME);
    } finally {
      await engine.cleanup();
    }
  });

  it("a refused delete (in use) and a failed read (revoked token)", async () => {
    const engine = await EngineStack.create({
      program,
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
      },
    });
    try {
      await engine.up();
      const [live] = (await emulator.state()).aiLlms;
      await emulator.seed({ repos: [{ id: "repo-n", name: "checkout-service", aiLlmId: live.id }] });
      const destroy = await failureText(() => engine.destroy(), engine);
      assert.match(destroy, /in use by repositories checkout-service/);
      const listed = diagnostics(engine.output.join(""));
      assert.equal(occurrences(listed, "in use by repositories checkout-service"), 1, listed);
      assert.doesNotMatch(destroy, STACK_FRAME);

      await emulator.seed({ unlinkRepos: ["repo-n"], revokeTokens: [TOKEN] });
      const refresh = await failureText(() => engine.refresh(), engine);
      assert.match(refresh, /failed with 401/);
      assert.doesNotMatch(refresh, STACK_FRAME);
    } finally {
      await emulator.seed({ tokens: [{ token: TOKEN, workspaces: ["ws-n"] }] });
      await engine.destroy().catch(() => undefined);
      await engine.cleanup();
    }
  });
});

describe("warnings land on the resource they are about", function () {
  this.timeout(180_000);

  it('validate: "warn" with failing credentials warns under the resource, on up and on the next preview', async () => {
    ensurePulumiRoot();
    const emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: ["ws-w"] }] });
    const engine = await EngineStack.create({
      program: async () => {
        new AiLlmConfig("warned", {
          name: "warned",
          aiType: "OPENAI",
          endpoint: "https://api.openai.com/v1",
          secret: "invalid-sk-warned",
          workspaceId: "ws-w",
          validate: "warn",
        });
      },
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
      },
    });
    try {
      const under =
        /AiLlmConfig \(warned\):\s+warning: failed credential validation at its last check: Validation failed/;
      await engine.up();
      assert.match(diagnostics(engine.output.join("")), under);
      const before = engine.output.length;
      await engine.preview();
      assert.match(diagnostics(engine.output.slice(before).join("")), under);
      assert.doesNotMatch(
        engine.output.join(""),
        /Stack \(flashback-test-dev\):\s+warning: .*credential validation/,
      );
      assert.ok(!engine.output.join("").includes("invalid-sk-warned"));
      await engine.destroy();
    } finally {
      await engine.cleanup();
      await emulator.close();
    }
  });
});
