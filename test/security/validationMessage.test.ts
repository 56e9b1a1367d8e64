import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import util from "node:util";
import { FlashbackClient } from "../../src/client";
import type { AiLlmConfigInputs, AiLlmConfigOutputs } from "../../src/provider/inputs";
import { AiLlmConfigProvider } from "../../src/provider/provider";
import {
  startScriptedServer,
  type RecordedRequest,
  type ScriptedServer,
  type Step,
} from "../../support/scriptedServer";

/*
 * `POST /ai/llm/{id}/validate` answers 200 with `success:false` and a message that
 * "embeds the provider's HTTP error" (API sheet, 3.6). An AI provider's error may
 * quote the key it was given, and a proxy may quote the Authorization header. The
 * provider puts that message in the `validationMessage` output (a plain,
 * non-secret value in state), in its warning (printed by the CLI), and in the
 * error of a `validate: "require"` failure. None of them may carry the secret,
 * the key or the token.
 */

const hex = (n: number) => randomBytes(n).toString("hex");
const TOKEN = `validate-token-${hex(12)}`;
const SECRET = `sk-validate-${hex(12)}`;
const KEY = `ak-validate-${hex(12)}`;
const ROTATED = `sk-validate-rotated-${hex(12)}`;
const VALUES = { TOKEN, SECRET, KEY, ROTATED };
const ID = "cfg-validate-1";

function found(text: string): string[] {
  return Object.entries(VALUES)
    .filter(([, v]) => text.includes(v))
    .map(([k]) => k);
}

describe("security: validation messages never carry a credential", function () {
  this.timeout(30_000);
  let server: ScriptedServer;
  let client: FlashbackClient;
  /** The last secret and key the scripted Flashback received, quoted back by its validation. */
  const stored = { secret: "", key: "" };

  const remember = (req: RecordedRequest): void => {
    const body = JSON.parse(req.body || "{}") as { secret?: string; key?: string };
    if (body.secret !== undefined) stored.secret = body.secret;
    if (body.key !== undefined) stored.key = body.key;
  };

  before(async () => {
    server = await startScriptedServer({
      "POST /ai/llm": (req) => {
        remember(req);
        return { status: 200, body: { success: true, aiLlmId: ID, message: "created" } };
      },
      [`PUT /ai/llm/${ID}`]: (req) => {
        remember(req);
        return { status: 200, body: { success: true, aiLlmId: ID } };
      },
      "GET /ai/llm": [
        {
          status: 200,
          body: {
            success: true,
            aiLlms: [
              {
                id: ID,
                workspaceId: "ws-1",
                name: "Quoted",
                aiType: "OPENAI",
                endpoint: "https://api.openai.com/v1",
                key: null,
                repos: [],
              },
            ],
          },
        },
      ],
      // What an upstream 401 quoted back through Flashback could look like.
      [`POST /ai/llm/${ID}/validate`]: (req): Step => ({
        status: 200,
        body: {
          success: false,
          message:
            `Validation failed: Invalid API key or endpoint unreachable. Error: 401 Unauthorized: ` +
            `{"error":{"message":"Incorrect API key provided: ${stored.secret} (access key ${stored.key})",` +
            `"request":{"authorization":"${String(req.headers.authorization)}"}}}`,
        },
      }),
    });
    client = new FlashbackClient({ baseUrl: server.url, accessToken: TOKEN, maxRetries: 0 });
  });
  after(async () => {
    await client?.close();
    await server?.close();
  });

  const inputs = (validate: "warn" | "require", secret = SECRET): AiLlmConfigInputs => ({
    name: "Quoted",
    aiType: "OPENAI",
    endpoint: "https://api.openai.com/v1",
    secret,
    key: KEY,
    workspaceId: "ws-1",
    validate,
  });

  async function provider(warnings: string[]): Promise<AiLlmConfigProvider> {
    const p = new AiLlmConfigProvider({ clientFactory: () => client, warn: (m) => warnings.push(m) });
    const config: Record<string, string> = { "flashback:apiUrl": server.url, "flashback:token": TOKEN };
    await p.configure({
      config: { get: (k: string) => config[k], require: (k: string) => config[k] },
    } as never);
    return p;
  }

  it('validate: "warn" on create: not in validationMessage (state, and the resource\'s warning built from it)', async () => {
    const warnings: string[] = [];
    const { outs } = (await (await provider(warnings)).create(inputs("warn"))) as {
      outs: AiLlmConfigOutputs;
    };
    assert.equal(outs.validated, false);
    assert.match(String(outs.validationMessage), /401 Unauthorized/, "the message is kept");
    assert.deepEqual(
      found(String(outs.validationMessage)),
      [],
      `validationMessage: ${outs.validationMessage}`,
    );
    // The provider no longer warns (the resource does, from validationMessage, checked above;
    // test/engine/errorOutput.engine.test.ts checks the CLI output for the secret).
    assert.deepEqual(warnings, []);
  });

  it('validate: "require" on create: not in the error', async () => {
    const warnings: string[] = [];
    const error = await (await provider(warnings)).create(inputs("require")).then(
      () => assert.fail("create was expected to fail validation"),
      (e: unknown) => e as Error,
    );
    assert.match(error.message, /failed credential validation/);
    for (const text of [error.message, String(error.stack), util.inspect(error, { depth: 10 })]) {
      assert.deepEqual(found(text), [], `error: ${error.message}`);
    }
    assert.deepEqual(found(warnings.join("\n")), []);
  });

  it("a secret rotation re-validates: the new secret is not quoted either", async () => {
    const warnings: string[] = [];
    const p = await provider(warnings);
    const olds = {
      ...inputs("warn"),
      aiLlmId: ID,
      repos: [],
      validated: true,
      validationMessage: "ok",
    } satisfies AiLlmConfigOutputs;
    const { outs } = await p.update(ID, olds, inputs("warn", ROTATED));
    assert.equal(stored.secret, ROTATED, "the rotated secret was sent");
    assert.deepEqual(
      found(String(outs?.validationMessage)),
      [],
      `validationMessage: ${outs?.validationMessage}`,
    );
    assert.deepEqual(found(warnings.join("\n")), [], `warning: ${warnings.join("\n")}`);
  });
});
