import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  CliProject,
  projectPackageJson,
  requireLanguageHost,
  shippedExample,
} from "../../support/cliProject";
import { EmulatorHandle } from "../../support/emulator";

/*
 * The package as users get it (npm pack + npm install into a fresh project) driven by
 * the real `pulumi` CLI through the Node.js language host, in the three forms programs
 * take: the shipped TypeScript example, plain CommonJS JavaScript, and ESM. Each goes
 * through up, preview, drift made behind Pulumi's back, refresh, up and destroy.
 */

const TOKEN = `cli-token-${randomBytes(12).toString("hex")}`;
const OPENAI_SECRET = `sk-cli-${randomBytes(12).toString("hex")}`;
const ANTHROPIC_SECRET = `sk-ant-cli-${randomBytes(12).toString("hex")}`;

/** The same two configurations as examples/basic, in a JavaScript module of either kind. */
function javascriptProgram(kind: "commonjs" | "module"): Record<string, string> {
  const imports =
    kind === "module"
      ? 'import * as pulumi from "@pulumi/pulumi";\nimport { AiLlmConfig } from "pulumi-flashback";'
      : 'const pulumi = require("@pulumi/pulumi");\nconst { AiLlmConfig } = require("pulumi-flashback");';
  const exportOf = (name: string, value: string) =>
    kind === "module" ? `export const ${name} = ${value};` : `exports.${name} = ${value};`;
  const program = `${imports}

const config = new pulumi.Config();
const workspaceId = config.get("workspaceId") ?? "workspace-123";
const openai = new AiLlmConfig("openai", {
  name: "Production OpenAI",
  aiType: "OPENAI",
  endpoint: "https://api.openai.com/v1",
  secret: config.requireSecret("openaiSecret"),
  workspaceId,
  validate: "warn",
});
const claude = new AiLlmConfig("claude", {
  name: "Claude",
  aiType: "ANTHROPIC",
  endpoint: "https://api.anthropic.com/v1",
  secret: config.requireSecret("anthropicSecret"),
  workspaceId,
});
${exportOf("openaiId", "openai.aiLlmId")}
${exportOf("claudeId", "claude.aiLlmId")}
`;
  const name = `flashback-${kind === "module" ? "esm" : "cjs"}`;
  return {
    "Pulumi.yaml": `name: ${name}\nruntime: nodejs\n`,
    "package.json": projectPackageJson(name, {
      main: "index.js",
      ...(kind === "module" ? { type: "module" } : {}),
    }),
    "index.js": program,
  };
}

const FORMS: { title: string; files: () => Record<string, string> }[] = [
  { title: "examples/basic as shipped (TypeScript)", files: () => shippedExample("basic") },
  { title: "a CommonJS JavaScript program", files: () => javascriptProgram("commonjs") },
  { title: 'an ESM program ("type": "module")', files: () => javascriptProgram("module") },
];

describe("real Pulumi projects through the pulumi CLI (packed package)", function () {
  this.timeout(300_000);
  requireLanguageHost();

  for (const form of FORMS) {
    describe(form.title, () => {
      let emulator: EmulatorHandle;
      let project: CliProject;

      before(async () => {
        emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: ["ws-cli"] }] });
        project = await CliProject.create({
          files: form.files(),
          config: {
            "flashback:apiUrl": { value: emulator.url },
            "flashback:token": { value: TOKEN, secret: true },
            openaiSecret: { value: OPENAI_SECRET, secret: true },
            anthropicSecret: { value: ANTHROPIC_SECRET, secret: true },
            workspaceId: { value: "ws-cli" },
          },
        });
      });

      after(async () => {
        await project?.cleanup();
        await emulator?.close();
      });

      it("up creates both configurations; preview then shows no change", async () => {
        await project.mustRun(["up", "--yes"]);
        const live = (await emulator.state()).aiLlms;
        assert.deepEqual(live.map((c) => c.name).sort(), ["Claude", "Production OpenAI"]);
        const outputs = await project.outputs();
        const byName = new Map(live.map((c) => [c.name, c.id]));
        assert.equal(outputs.openaiId, byName.get("Production OpenAI"));
        assert.equal(outputs.claudeId, byName.get("Claude"));
        const preview = await project.run(["preview", "--expect-no-changes"]);
        assert.equal(preview.code, 0, preview.text);
      });

      it("refresh shows a rename and a delete made behind Pulumi's back; up puts them back", async () => {
        const live = (await emulator.state()).aiLlms;
        const openai = live.find((c) => c.name === "Production OpenAI");
        const claude = live.find((c) => c.name === "Claude");
        assert.ok(openai && claude);
        assert.equal(
          (await emulator.api("PUT", `/ai/llm/${openai.id}`, { name: "Renamed by hand" })).status,
          200,
        );
        assert.equal((await emulator.api("DELETE", `/ai/llm/${claude.id}`)).status, 200);

        const refresh = await project.mustRun(["refresh", "--yes", "--diff"]);
        assert.match(refresh.text, /Renamed by hand/);
        assert.match(refresh.text, /claude/);
        assert.equal((await project.resourcesOfType()).length, 1, "the deleted configuration left the state");

        await project.mustRun(["up", "--yes"]);
        const restored = (await emulator.state()).aiLlms;
        assert.deepEqual(restored.map((c) => c.name).sort(), ["Claude", "Production OpenAI"]);
        assert.ok(
          restored.some((c) => c.id === openai.id),
          "the renamed configuration was updated in place",
        );
        const preview = await project.run(["preview", "--expect-no-changes"]);
        assert.equal(preview.code, 0, preview.text);
      });

      it("destroy removes everything; no secret or token is written anywhere", async () => {
        await project.mustRun(["destroy", "--yes"]);
        assert.deepEqual((await emulator.state()).aiLlms, []);
        const written = await project.everythingWritten();
        for (const [label, value] of Object.entries({ TOKEN, OPENAI_SECRET, ANTHROPIC_SECRET })) {
          assert.ok(!written.includes(value), `${label} appears in plain text in state, history or output`);
        }
      });
    });
  }
});
