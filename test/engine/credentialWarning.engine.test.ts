import assert from "node:assert/strict";
import { installedPackage } from "../../support/installedPackage";
import { EmulatorHandle } from "../../support/emulator";
import { EngineStack, ensurePulumiRoot } from "../../support/engine";

// The package as `npm install` puts it in a user's project (see installedPackage.ts).
const { AiLlmConfig } = installedPackage();

/*
 * The engine records the stack configuration as the default dynamic provider's
 * inputs, so a token set without --secret lands in state in plain text. The
 * program must say so, naming the command that fixes it; with --secret it must
 * stay quiet.
 */
describe("warning about a Flashback credential that is not a secret", function () {
  this.timeout(120_000);
  let emulator: EmulatorHandle;

  before(async () => {
    ensurePulumiRoot();
    emulator = await EmulatorHandle.start({ tokens: [{ token: "plain-token", workspaces: "*" }] });
  });

  after(async () => emulator?.close());

  async function previewOutput(secret: boolean): Promise<string> {
    const engine = await EngineStack.create({
      program: async () => {
        new AiLlmConfig("c", {
          name: "c",
          aiType: "OPENAI",
          endpoint: "https://api.openai.com/v1",
          secret: "sk-x",
          workspaceId: "ws",
        });
      },
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: "plain-token", secret },
      },
    });
    try {
      await engine.preview();
      return engine.output.join("");
    } finally {
      await engine.cleanup();
    }
  }

  it("warns when flashback:token is plain text, naming pulumi config set --secret", async () => {
    const output = await previewOutput(false);
    assert.match(output, /flashback:token is stored in plain text/);
    assert.match(output, /pulumi config set --secret flashback:token/);
  });

  it("stays quiet when the token is a secret", async () => {
    assert.doesNotMatch(await previewOutput(true), /stored in plain text/);
  });
});
