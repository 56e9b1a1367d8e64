import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliProject, projectPackageJson, requireLanguageHost } from "../../support/cliProject";
import { EmulatorHandle } from "../../support/emulator";

/*
 * A CD pipeline rotates Flashback credentials between runs. The engine configures
 * `refresh`, `destroy` and the `--refresh` variants from the configuration recorded at
 * the last `pulumi up`, so a token rotated in stack config does not reach them; a
 * current one in the environment does (it is tried when the recorded one is rejected).
 * Each command runs right after a rotation: first as the pipeline would with only the
 * config changed (it fails and says what to run), then with the new token in
 * FLASHBACK_TOKEN (it works). Two more setups back the README's credential table.
 */

const WORKSPACE = "ws-rotate";
const SECRET = `sk-rotate-${randomBytes(12).toString("hex")}`;

const newToken = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;

const PROGRAM = `const pulumi = require("@pulumi/pulumi");
const { AiLlmConfig } = require("pulumi-flashback");
const config = new pulumi.Config();
for (const name of ["alpha", "beta"]) {
  new AiLlmConfig(name, {
    name: config.get(name + "Name") ?? name,
    aiType: "OPENAI",
    endpoint: "https://api.openai.com/v1",
    secret: config.requireSecret("openaiSecret"),
    workspaceId: "${WORKSPACE}",
  });
}
`;

const FILES = () => ({
  "Pulumi.yaml": "name: flashback-rotate\nruntime: nodejs\n",
  "package.json": projectPackageJson("flashback-rotate", { main: "index.js" }),
  "index.js": PROGRAM,
});

describe("rotated credentials through the pulumi CLI", function () {
  this.timeout(300_000);
  requireLanguageHost();

  let emulator: EmulatorHandle;
  let project: CliProject;
  const tokens: string[] = [];

  async function liveNames(): Promise<string[]> {
    return (await emulator.state()).aiLlms.map((c) => c.name).sort();
  }

  async function assertNoCredentialWritten(): Promise<void> {
    const written = await project.everythingWritten();
    for (const token of tokens) assert.ok(!written.includes(token), "a token appears in state or output");
    assert.ok(!written.includes(SECRET), "the secret appears in state or output");
  }

  afterEach(async () => {
    await project?.cleanup();
    await emulator?.close();
    tokens.length = 0;
  });

  describe("an access token in stack config (flashback:token), rotated between runs", () => {
    /** Revokes the current token, issues a new one and sets it in config as a pipeline would. */
    async function rotate(): Promise<string> {
      const token = newToken("rotated");
      await emulator.seed({ revokeTokens: [...tokens], tokens: [{ token, workspaces: [WORKSPACE] }] });
      tokens.push(token);
      await project.setConfig("flashback:token", token, true);
      return token;
    }

    beforeEach(async () => {
      const first = newToken("first");
      tokens.push(first);
      emulator = await EmulatorHandle.start({ tokens: [{ token: first, workspaces: [WORKSPACE] }] });
      project = await CliProject.create({
        files: FILES(),
        config: {
          "flashback:apiUrl": { value: emulator.url },
          "flashback:token": { value: first, secret: true },
          openaiSecret: { value: SECRET, secret: true },
        },
      });
      await project.mustRun(["up", "--yes"]);
      assert.deepEqual(await liveNames(), ["alpha", "beta"]);
    });

    const STALE_COMMANDS: { args: string[]; title: string }[] = [
      { title: "pulumi refresh", args: ["refresh", "--yes"] },
      { title: "pulumi preview --refresh", args: ["preview", "--refresh"] },
      { title: "pulumi up --refresh", args: ["up", "--refresh", "--yes"] },
    ];

    it("refresh, preview --refresh and up --refresh: config alone fails and says what to run; FLASHBACK_TOKEN works", async () => {
      for (const command of STALE_COMMANDS) {
        const token = await rotate();
        const stale = await project.run(command.args);
        assert.notEqual(
          stale.code,
          0,
          `${command.title} with only the config rotated should fail:\n${stale.text}`,
        );
        assert.match(stale.text, /failed with 401/, command.title);
        assert.match(stale.text, /recorded by the last `pulumi up`/, command.title);
        assert.match(stale.text, /--run-program/, command.title);
        assert.match(stale.text, /set FLASHBACK_TOKEN/, command.title);

        const fresh = await project.run(command.args, { FLASHBACK_TOKEN: token });
        assert.equal(fresh.code, 0, `${command.title} with FLASHBACK_TOKEN:\n${fresh.text}`);
        assert.deepEqual(await liveNames(), ["alpha", "beta"], command.title);
      }
      assert.equal((await project.resourcesOfType()).length, 2);
      await assertNoCredentialWritten();
    });

    it("refresh --run-program and destroy --run-program work with the rotated config alone; plain destroy does not and deletes nothing", async () => {
      await rotate();
      await emulator.api(
        "PUT",
        `/ai/llm/${(await project.resourcesOfType())[0].id}`,
        { name: "drifted" },
        tokens.at(-1),
      );
      const refresh = await project.run(["refresh", "--run-program", "--yes", "--diff"]);
      assert.equal(refresh.code, 0, refresh.text);
      assert.match(refresh.text, /drifted/, "the refresh read the live configuration");

      await rotate();
      const stale = await project.run(["destroy", "--yes"]);
      assert.notEqual(stale.code, 0, stale.text);
      assert.match(stale.text, /--run-program/);
      assert.equal((await emulator.state()).aiLlms.length, 2, "nothing was deleted");

      const destroy = await project.run(["destroy", "--run-program", "--yes"]);
      assert.equal(destroy.code, 0, destroy.text);
      assert.deepEqual(await liveNames(), []);
      assert.equal((await project.resourcesOfType()).length, 0);
      await assertNoCredentialWritten();
    });

    it("pulumi destroy with the rotated token in FLASHBACK_TOKEN deletes everything", async () => {
      const token = await rotate();
      await project.mustRun(["destroy", "--yes"], { FLASHBACK_TOKEN: token });
      assert.deepEqual(await liveNames(), []);
      assert.equal((await project.resourcesOfType()).length, 0);
      await assertNoCredentialWritten();
    });

    it("plain preview and up need nothing more: up records the rotated token for later commands", async () => {
      await rotate();
      await project.mustRun(["config", "set", "alphaName", "alpha-renamed"]);
      const preview = await project.mustRun(["preview", "--diff"]);
      assert.match(preview.text, /alpha-renamed/, "the preview read the current config");
      await project.mustRun(["up", "--yes"]);
      assert.deepEqual(await liveNames(), ["alpha-renamed", "beta"]);
      await project.mustRun(["refresh", "--yes"]);
      await project.mustRun(["destroy", "--yes"]);
      assert.deepEqual(await liveNames(), []);
      await assertNoCredentialWritten();
    });
  });

  describe("other credential setups from the README's table", () => {
    it("a refresh token in stack config (flashback:refreshToken) serves every command while access tokens come and go", async () => {
      const refreshToken = newToken("refresh");
      tokens.push(refreshToken);
      emulator = await EmulatorHandle.start({
        tokens: [],
        refreshTokens: [{ refreshToken, workspaces: [WORKSPACE] }],
      });
      project = await CliProject.create({
        files: FILES(),
        config: {
          "flashback:apiUrl": { value: emulator.url },
          "flashback:refreshToken": { value: refreshToken, secret: true },
          openaiSecret: { value: SECRET, secret: true },
        },
      });
      await project.mustRun(["up", "--yes"]);
      await project.mustRun(["refresh", "--yes"]);
      await project.mustRun(["refresh", "--run-program", "--yes"]);
      await project.mustRun(["preview", "--refresh", "--expect-no-changes"]);
      await project.mustRun(["destroy", "--yes"]);
      assert.deepEqual(await liveNames(), []);
      const exchanges = (await emulator.requests()).filter((r) => r.path === "/user/refresh");
      assert.ok(exchanges.length >= 5, `one exchange per provider process, saw ${exchanges.length}`);
      await assertNoCredentialWritten();
    });

    it("an access token only in the environment (FLASHBACK_TOKEN), rotated between runs, needs nothing else", async () => {
      const first = newToken("env-first");
      tokens.push(first);
      emulator = await EmulatorHandle.start({ tokens: [{ token: first, workspaces: [WORKSPACE] }] });
      project = await CliProject.create({
        files: FILES(),
        config: {
          "flashback:apiUrl": { value: emulator.url },
          openaiSecret: { value: SECRET, secret: true },
        },
      });
      await project.mustRun(["up", "--yes"], { FLASHBACK_TOKEN: first });
      for (const args of [
        ["up", "--yes"],
        ["preview"],
        ["up", "--refresh", "--yes"],
        ["refresh", "--yes"],
        ["preview", "--refresh"],
        ["destroy", "--yes"],
      ]) {
        const token = newToken("env-rotated");
        await emulator.seed({ revokeTokens: [...tokens], tokens: [{ token, workspaces: [WORKSPACE] }] });
        tokens.push(token);
        await project.mustRun(args, { FLASHBACK_TOKEN: token });
      }
      assert.deepEqual(await liveNames(), []);
      await assertNoCredentialWritten();
    });
  });

  describe("an API URL that moved (flashback:apiUrl changed between runs)", () => {
    let dataDir: string;
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    it("refresh and destroy reach the new URL through FLASHBACK_API_URL; with config alone they name the old one", async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), "flashback-moved-"));
      const token = newToken("moved");
      tokens.push(token);
      const seed = {
        tokens: [{ token, workspaces: [WORKSPACE] }],
        dataFile: path.join(dataDir, "flashback.json"),
        encryptionKey: randomBytes(32).toString("hex"),
      };
      emulator = await EmulatorHandle.start(seed);
      const oldUrl = emulator.url;
      project = await CliProject.create({
        files: FILES(),
        config: {
          "flashback:apiUrl": { value: oldUrl },
          "flashback:token": { value: token, secret: true },
          openaiSecret: { value: SECRET, secret: true },
        },
      });
      await project.mustRun(["up", "--yes"]);
      // The API moves: same data, another address; the old one refuses connections.
      await emulator.close();
      emulator = await EmulatorHandle.start(seed);
      assert.notEqual(emulator.url, oldUrl);
      assert.deepEqual(await liveNames(), ["alpha", "beta"]);
      await project.setConfig("flashback:apiUrl", emulator.url);

      const stale = await project.run(["refresh", "--yes"]);
      assert.notEqual(stale.code, 0, stale.text);
      assert.ok(
        stale.text.includes(oldUrl.replace(/\/$/, "")),
        `the error names the URL tried:\n${stale.text}`,
      );
      assert.match(stale.text, /set to the new values, or with --run-program/, "the error says what to run");

      const moved = { FLASHBACK_API_URL: emulator.url, FLASHBACK_TOKEN: token };
      await project.mustRun(["refresh", "--yes"], moved);
      await project.mustRun(["destroy", "--yes"], moved);
      assert.deepEqual(await liveNames(), []);
      assert.equal((await project.resourcesOfType()).length, 0);
      await assertNoCredentialWritten();
    });
  });
});
