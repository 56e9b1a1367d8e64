import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { installedPackage } from "../../support/installedPackage";
import { EngineStack, ensurePulumiRoot, type StateResource } from "../../support/engine";
import { EmulatorHandle } from "../../support/emulator";

// The package as `npm install` puts it in a user's project (see installedPackage.ts).
const { AiLlmConfig } = installedPackage();

/*
 * AiLlmConfig.get through the real engine: a configuration made by hand in the emulator
 * is read into the stack without being managed; a missing id fails the read (where a
 * refresh of a managed one reports it deleted); isInstance and the static type token.
 */

const TOKEN = `test-token-${randomBytes(12).toString("hex")}`;
const SECRET = `sk-by-hand-${randomBytes(12).toString("hex")}`;
const MANAGED_SECRET = `sk-managed-${randomBytes(12).toString("hex")}`;
const TYPE = "pulumi-nodejs:dynamic/flashback:AiLlmConfig";

type Program = () => Promise<Record<string, unknown>>;

describe("AiLlmConfig.get through the real Pulumi engine", function () {
  this.timeout(180_000);

  let emulator: EmulatorHandle;
  let engine: EngineStack;
  /** What the inline program does; tests change it between operations. */
  let body: Program = async () => ({});
  /** The id of the configuration made by hand. */
  let existingId: string;

  async function makeByHand(name: string): Promise<string> {
    const made = await emulator.api("POST", "/ai/llm", {
      name,
      aiType: "ANTHROPIC",
      endpoint: "https://api.anthropic.com/v1",
      secret: SECRET,
      workspaceId: "ws-a",
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return made.body.aiLlmId as string;
  }

  async function writeRequests() {
    const requests = await emulator.requests();
    await emulator.clearRequests();
    return requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
  }

  async function stateResources(): Promise<(StateResource & { external?: boolean })[]> {
    return engine.resourcesOfType(TYPE);
  }

  before(async function () {
    ensurePulumiRoot();
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: ["ws-a", "ws-b"] }] });
    engine = await EngineStack.create({
      program: () => body(),
      stackName: "get",
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: TOKEN, secret: true },
      },
    });
    existingId = await makeByHand("Made by hand");
  });

  after(async () => {
    await engine?.cleanup();
    await emulator?.close();
  });

  it("get reads a configuration made by hand: outputs filled from Flashback, no secret", async () => {
    body = async () => {
      const existing = AiLlmConfig.get("existing", existingId, { workspaceId: "ws-a" });
      return {
        id: existing.id,
        aiLlmId: existing.aiLlmId,
        name: existing.name,
        aiType: existing.aiType,
        endpoint: existing.endpoint,
        orgId: existing.orgId,
        workspaceId: existing.workspaceId,
        hasSecret: existing.secret.apply((s) => s !== undefined),
        isInstance: AiLlmConfig.isInstance(existing),
      };
    };
    await writeRequests();
    const up = await engine.up();
    const out = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
    const live = (await emulator.state()).aiLlms.find((c) => c.id === existingId);
    assert.ok(live);
    assert.deepEqual(out, {
      id: existingId,
      aiLlmId: existingId,
      name: "Made by hand",
      aiType: "ANTHROPIC",
      endpoint: "https://api.anthropic.com/v1",
      orgId: live.orgId,
      workspaceId: "ws-a",
      hasSecret: false,
      isInstance: true,
    });
    assert.equal(typeof live.orgId, "string");
    const [resource] = await stateResources();
    assert.equal(resource.id, existingId);
    assert.equal(resource.external, true, "a read resource is external: Pulumi does not manage it");
    assert.equal(resource.outputs?.secret, undefined);
    assert.deepEqual(await writeRequests(), [], "a get writes nothing");
    assert.ok(!(await engine.everythingWritten()).includes(SECRET));
  });

  it("destroy does not delete a configuration read with get", async () => {
    await engine.destroy();
    assert.deepEqual(await writeRequests(), [], "destroy sent no DELETE");
    const live = (await emulator.state()).aiLlms.map((c) => c.id);
    assert.ok(live.includes(existingId), "the configuration is still in Flashback");
    assert.deepEqual(await stateResources(), []);
  });

  it("get of an id that is not in the workspace fails, saying so", async () => {
    body = async () => {
      const missing = AiLlmConfig.get("missing", "no-such-config", { workspaceId: "ws-a" });
      return { name: missing.name };
    };
    await assert.rejects(
      engine.preview(),
      /the configuration no-such-config was not found in workspace ws-a/,
    );
    await assert.rejects(engine.up(), /the configuration no-such-config was not found in workspace ws-a/);
    assert.deepEqual(await stateResources(), []);
    // An id that exists, but in another workspace, is not found in the one given.
    body = async () => ({ name: AiLlmConfig.get("elsewhere", existingId, { workspaceId: "ws-b" }).name });
    await assert.rejects(
      engine.up(),
      new RegExp(`the configuration ${existingId} was not found in workspace ws-b`),
    );
  });

  it("get without workspaceId fails with a message that names it", async () => {
    body = async () => {
      const noWorkspace = AiLlmConfig.get("no-workspace", existingId, {} as { workspaceId: string });
      return { name: noWorkspace.name };
    };
    await assert.rejects(engine.up(), /AiLlmConfig\.get\("no-workspace", \.\.\.\): workspaceId is required/);
    // The same through the constructor with an id, as before `get` existed.
    body = async () => {
      const direct = new AiLlmConfig("direct", {} as never, { id: existingId });
      return { name: direct.name };
    };
    await assert.rejects(engine.up(), /workspaceId is required/);
    // Known only at deployment, and empty: the provider's read refuses it.
    body = async () => ({
      name: AiLlmConfig.get("empty", existingId, { workspaceId: pulumi.output("") }).name,
    });
    await assert.rejects(engine.up(), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`AiLlmConfig.get of configuration ${existingId}: workspaceId is required`),
      );
      return true;
    });
    assert.deepEqual(await stateResources(), []);
  });

  it("refresh still drops what was deleted outside Pulumi: a managed resource and a read one", async () => {
    const byHand = await makeByHand("Read, then deleted");
    body = async () => {
      const managed = new AiLlmConfig("managed", {
        name: "Managed",
        aiType: "OPENAI",
        endpoint: "https://api.openai.com/v1",
        secret: MANAGED_SECRET,
        workspaceId: "ws-a",
      });
      const read = AiLlmConfig.get("read", byHand, { workspaceId: "ws-a" });
      return { managed: managed.aiLlmId, read: read.name };
    };
    await engine.up();
    const before = await stateResources();
    assert.equal(before.length, 2);
    const managedId = before.find((r) => r.urn.endsWith("::managed"))?.id as string;
    for (const id of [managedId, byHand]) {
      assert.equal((await emulator.api("DELETE", `/ai/llm/${id}`)).status, 200);
    }
    const refresh = await engine.refresh();
    assert.equal(refresh.summary.result, "succeeded");
    assert.deepEqual(await stateResources(), [], "both dropped from the state, no error");
  });

  it("registers what it always did: type, inputs and secret outputs of a managed resource", async () => {
    body = async () => {
      const managed = new AiLlmConfig("managed", {
        name: "Managed",
        aiType: "OPENAI",
        endpoint: "https://api.openai.com/v1",
        secret: MANAGED_SECRET,
        workspaceId: "ws-a",
      });
      return { isInstance: AiLlmConfig.isInstance(managed) };
    };
    const up = await engine.up();
    assert.equal(up.outputs.isInstance.value, true);
    const [resource] = await stateResources();
    assert.equal(resource.type, AiLlmConfig.__pulumiType);
    assert.deepEqual(Object.keys(resource.inputs ?? {}).sort(), [
      "__provider",
      "aiType",
      "endpoint",
      "name",
      "secret",
      "workspaceId",
    ]);
    assert.deepEqual(resource.additionalSecretOutputs, ["secret", "key"]);
    await engine.destroy();
  });

  it("isInstance compares the type token: true for AiLlmConfig, false for anything else", () => {
    assert.equal(AiLlmConfig.__pulumiType, TYPE);
    // What @pulumi/policy passes it when a class has no static type (and what an instance holds).
    assert.equal(AiLlmConfig.isInstance({ __pulumiType: TYPE }), true);
    for (const other of [
      undefined,
      null,
      {},
      "x",
      { __pulumiType: "pulumi-nodejs:dynamic:Resource" },
      { __pulumiType: "pulumi:providers:pulumi-nodejs" },
    ]) {
      assert.equal(AiLlmConfig.isInstance(other), false, JSON.stringify(other));
    }
    // A resource object of another type (no engine needed: only its fields are read).
    assert.equal(AiLlmConfig.isInstance(Object.create(pulumi.CustomResource.prototype)), false);
  });
});
