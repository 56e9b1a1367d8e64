import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../src/emulator";
import { deriveKey, Sealer } from "../../src/emulator/crypto";
import { DataFileError } from "../../src/emulator/persistence";
import {
  apiKeyWriteResponseSchema,
  createApiKeyResponseSchema,
  listAiLlmsResponseSchema,
  listApiKeysResponseSchema,
  type StoredApiKey,
} from "../../src/schemas";
import { EmulatorHandle, withEmulator } from "../../support/emulator";
import { assertError, createConfig, KEY, SECRET } from "../../support/emulatorFixtures";

/*
 * Stored provider keys (`/apikeys`) and the AI LLM configurations that use them
 * (`apiKeyUuid`), through real HTTP.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const VALIDATED =
  "AI LLM configuration validated successfully. Connection established and credentials verified.";
const REFUSED = "Validation failed: Invalid API key or endpoint unreachable. Error: 401 Unauthorized";

/** Distinctive stored-key credentials: the key may be listed, the secret never appears anywhere. */
const STORED_KEY = "AKIA-STORED-KEY-EMULATOR-8c41d7";
const STORED_SECRET = "sk-STORED-SECRET-EMULATOR-b27e90";

const LIMITED = "ws-a-token";
const PASSPHRASE = "api key tests passphrase";

let counter = 0;

/** A valid `POST /apikeys` body; fields can be overridden (undefined removes one). */
function keyBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    key: STORED_KEY,
    secret: STORED_SECRET,
    provider: "OPENAI",
    workspaceId: "ws-1",
    ...overrides,
  };
  for (const [field, value] of Object.entries(body)) if (value === undefined) delete body[field];
  return body;
}

/** Creates a stored key, insists on success, and returns its id. */
async function createKey(
  emu: EmulatorHandle,
  overrides: Record<string, unknown> = {},
  token?: string,
): Promise<string> {
  const res = await emu.api("POST", "/apikeys", keyBody(overrides), token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return createApiKeyResponseSchema.parse(res.body).apiKeyId;
}

/** A `POST /ai/llm` body that uses a stored key instead of inline credentials. */
function keyedConfig(apiKeyUuid: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    name: `keyed-${counter}`,
    aiType: "OPENAI",
    workspaceId: "ws-1",
    apiKeyUuid,
    ...overrides,
  };
}

async function createKeyed(
  emu: EmulatorHandle,
  apiKeyUuid: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const res = await emu.api("POST", "/ai/llm", keyedConfig(apiKeyUuid, overrides));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.aiLlmId as string;
}

async function listKeys(emu: EmulatorHandle, query = "", token?: string): Promise<StoredApiKey[]> {
  const res = await emu.api("GET", `/apikeys${query}`, undefined, token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return listApiKeysResponseSchema.parse(res.body).apiKeys;
}

async function listedKey(emu: EmulatorHandle, id: string): Promise<StoredApiKey> {
  const found = (await listKeys(emu)).find((k) => k.id === id);
  assert.ok(found, `key ${id} is listed`);
  return found;
}

async function listConfigs(emu: EmulatorHandle, route = "/ai/llm") {
  return listAiLlmsResponseSchema.parse((await emu.api("GET", route)).body).aiLlms;
}

async function listedConfig(emu: EmulatorHandle, id: string) {
  const found = (await listConfigs(emu)).find((c) => c.id === id);
  assert.ok(found, `configuration ${id} is listed`);
  return found;
}

async function validate(emu: EmulatorHandle, id: string): Promise<{ success: boolean; message: string }> {
  const res = await emu.api("POST", `/ai/llm/${id}/validate`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { success: boolean; message: string };
}

async function lastValidation(emu: EmulatorHandle, id: string) {
  const config = (await emu.state()).aiLlms.find((c) => c.id === id);
  assert.ok(config, `configuration ${id} is in the state`);
  return config.lastValidation;
}

/** The value and the encodings a careless writer might use for it. */
function forms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  return [value, bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("hex")];
}

function assertAbsent(text: string, value: string, where: string): void {
  for (const form of forms(value)) assert.ok(!text.includes(form), `${value} is in ${where}`);
}

describe("emulator: stored provider keys (/apikeys)", () => {
  const emu = withEmulator({
    tokens: [
      "flashback-emulator-token",
      { token: LIMITED, workspaces: ["ws-a"], userId: "user-a", orgId: "org-a" },
    ],
  });
  beforeEach(() => emu.reset());

  describe("POST /apikeys", () => {
    it("creates a key and answers {success, apiKeyId, message}; the state holds it sealed", async () => {
      const res = await emu.api(
        "POST",
        "/apikeys",
        keyBody({
          workspaceId: "ws-a",
          endpoint: "https://api.openai.com/v1",
          region: "us-east-1",
          tenantId: "tenant-1",
          subscriptionId: "sub-1",
          description: "prod openai",
        }),
        LIMITED,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const body = createApiKeyResponseSchema.parse(res.body);
      assert.deepEqual(Object.keys(body).sort(), ["apiKeyId", "message", "success"]);
      assert.equal(body.success, true);
      assert.match(body.apiKeyId, UUID);
      assert.equal(body.message, "API key created successfully");

      const [stored] = await emu.apiKeys();
      assert.equal(stored.id, body.apiKeyId);
      assert.deepEqual(
        [stored.workspaceId, stored.userId, stored.orgId, stored.provider],
        ["ws-a", "user-a", "org-a", "OPENAI"],
      );
      assert.deepEqual(
        [stored.endpoint, stored.region, stored.tenantId, stored.subscriptionId, stored.description],
        ["https://api.openai.com/v1", "us-east-1", "tenant-1", "sub-1", "prod openai"],
      );
      assert.match(stored.sealedKey, /^v1\./);
      assert.match(stored.sealedSecret, /^v1\./);
      assert.deepEqual(stored.aiLlmIds, []);
      const state = JSON.stringify(await emu.apiKeys());
      assertAbsent(state, STORED_KEY, "the state");
      assertAbsent(state, STORED_SECRET, "the state");
    });

    for (const field of ["key", "secret", "provider", "workspaceId"]) {
      it(`400 naming ${field} when it is missing, blank or not a string`, async () => {
        const missing = await emu.api("POST", "/apikeys", keyBody({ [field]: undefined }));
        assertError(missing, 400, `${field} is required`);
        assertError(
          await emu.api("POST", "/apikeys", keyBody({ [field]: " " })),
          400,
          `${field} must not be empty`,
        );
        assertError(
          await emu.api("POST", "/apikeys", keyBody({ [field]: 7 })),
          400,
          `${field} must be a string`,
        );
        assert.deepEqual(await emu.apiKeys(), []);
      });
    }

    it("400 for an endpoint that is not an absolute http(s) URL, without echoing the credentials", async () => {
      const res = await emu.api("POST", "/apikeys", keyBody({ endpoint: "api.openai.com/v1" }));
      assertError(res, 400, "endpoint must be an absolute http:// or https:// URL");
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(STORED_SECRET) && !text.includes(STORED_KEY), text);
      assertError(await emu.api("POST", "/apikeys", keyBody({ region: 5 })), 400, "region must be a string");
      assert.deepEqual(await emu.apiKeys(), []);
    });

    it("400 for a body that is not a JSON object", async () => {
      for (const body of [[keyBody()], "text", 3, null]) {
        assertError(await emu.api("POST", "/apikeys", body), 400, "Request body must be a JSON object");
      }
      assertError(await emu.api("POST", "/apikeys"), 400, "Request body must be a JSON object");
    });

    it("403 when the token cannot access the workspace; 401 without a token", async () => {
      const res = await emu.api("POST", "/apikeys", keyBody({ workspaceId: "ws-b" }), LIMITED);
      assertError(res, 403, "Access denied: this token cannot access workspace 'ws-b'");
      assertError(await emu.api("POST", "/apikeys", keyBody(), null), 401);
      assert.deepEqual(await emu.apiKeys(), []);
    });

    it("keeps descriptions unique per workspace; keys without one (or with an empty one) never clash", async () => {
      await createKey(emu, { description: "shared" });
      const dup = await emu.api("POST", "/apikeys", keyBody({ description: "shared", provider: "AWS" }));
      assertError(dup, 400, "A provider API key described 'shared' already exists in workspace 'ws-1'");
      await createKey(emu, { description: "shared", workspaceId: "ws-2" });
      await createKey(emu, { description: "Shared" });
      await createKey(emu);
      await createKey(emu);
      await createKey(emu, { description: "" });
      await createKey(emu, { description: "" });
      const keys = await emu.apiKeys();
      assert.equal(keys.length, 7);
      // An empty description is stored as none, not as "".
      assert.equal(keys.filter((k) => k.description === undefined).length, 4);
    });
  });

  describe("GET /apikeys", () => {
    it("lists {id, key, endpoint?, region?, tenantId?, subscriptionId?, provider, description?, createdAt, workspaceId, aillm_count, bucket_count}", async () => {
      const before = Date.now();
      const full = await createKey(emu, {
        endpoint: "https://bedrock.example.com",
        region: "eu-west-1",
        tenantId: "t",
        subscriptionId: "s",
        description: "full",
        provider: "AWS",
      });
      const bare = await createKey(emu, { key: "AKIA-BARE" });
      const res = await emu.api("GET", "/apikeys");
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ["apiKeys", "success"]);
      assert.equal(res.body.success, true);
      const [a, b] = listApiKeysResponseSchema.parse(res.body).apiKeys;
      assert.deepEqual(Object.keys(res.body.apiKeys[0]), [
        "id",
        "key",
        "endpoint",
        "region",
        "tenantId",
        "subscriptionId",
        "provider",
        "description",
        "createdAt",
        "workspaceId",
        "aillm_count",
        "bucket_count",
      ]);
      assert.deepEqual(
        { ...a, createdAt: undefined },
        {
          id: full,
          key: STORED_KEY,
          endpoint: "https://bedrock.example.com",
          region: "eu-west-1",
          tenantId: "t",
          subscriptionId: "s",
          provider: "AWS",
          description: "full",
          createdAt: undefined,
          workspaceId: "ws-1",
          aillm_count: 0,
          bucket_count: 0,
        },
      );
      assert.ok(Date.parse(a.createdAt ?? "") >= before - 1000, a.createdAt);
      // Unset optional fields are left out, not listed as null.
      assert.deepEqual(Object.keys(res.body.apiKeys[1]), [
        "id",
        "key",
        "provider",
        "createdAt",
        "workspaceId",
        "aillm_count",
        "bucket_count",
      ]);
      assert.deepEqual([b.id, b.key], [bare, "AKIA-BARE"]);
      assertAbsent(JSON.stringify(res.body), STORED_SECRET, "the list");
    });

    it("lists in creation order", async () => {
      const ids: string[] = [];
      for (const provider of ["OPENAI", "GCP", "ANTHROPIC", "AWS", "STORJ"])
        ids.push(await createKey(emu, { provider }));
      assert.deepEqual(
        (await listKeys(emu)).map((k) => k.id),
        ids,
      );
    });

    it("lists only keys in workspaces the token can access, and filters by workspaceId", async () => {
      const a = await createKey(emu, { workspaceId: "ws-a" });
      const b = await createKey(emu, { workspaceId: "ws-b" });
      const a2 = await createKey(emu, { workspaceId: "ws-a", provider: "AWS" });
      assert.deepEqual(
        (await listKeys(emu)).map((k) => k.id),
        [a, b, a2],
      );
      assert.deepEqual(
        (await listKeys(emu, "", LIMITED)).map((k) => k.id),
        [a, a2],
      );
      assert.deepEqual(
        (await listKeys(emu, "?workspaceId=ws-b")).map((k) => k.id),
        [b],
      );
      assert.deepEqual(await listKeys(emu, "?workspaceId=ws-b", LIMITED), []);
      assert.deepEqual(
        (await listKeys(emu, "?workspaceId=", LIMITED)).map((k) => k.id),
        [a, a2],
        "an empty workspaceId is no filter",
      );
      assert.deepEqual(await listKeys(emu, "?workspaceId=ws-none"), []);
    });

    it("filters by provider, exactly", async () => {
      const openai = await createKey(emu, { provider: "OPENAI" });
      await createKey(emu, { provider: "AWS" });
      const lower = await createKey(emu, { provider: "openai" });
      assert.deepEqual(
        (await listKeys(emu, "?provider=OPENAI")).map((k) => k.id),
        [openai],
      );
      assert.deepEqual(
        (await listKeys(emu, "?provider=openai")).map((k) => k.id),
        [lower],
      );
      assert.deepEqual(await listKeys(emu, "?provider=OPEN"), []);
      assert.equal((await listKeys(emu, "?provider=")).length, 3);
    });

    it("filters by capability bits: Storage 0x1, AI 0x2, Cloud 0x4, All 0xff; any shared bit matches", async () => {
      const id: Record<string, string> = {};
      for (const provider of [
        "OPENAI",
        "GOOGLE",
        "ANTHROPIC",
        "AWS",
        "OTHER",
        "GCP",
        "AZURE",
        "S3",
        "STORJ",
        "CUSTOM",
      ]) {
        id[provider] = await createKey(emu, { provider });
      }
      const providersFor = async (capability: string): Promise<string[]> =>
        (await listKeys(emu, `?capability=${capability}`)).map((k) => k.provider);
      assert.deepEqual(await providersFor("2"), ["OPENAI", "GOOGLE", "ANTHROPIC", "AWS", "OTHER"]);
      assert.deepEqual(await providersFor("0x2"), ["OPENAI", "GOOGLE", "ANTHROPIC", "AWS", "OTHER"]);
      assert.deepEqual(await providersFor("1"), ["AWS", "GCP", "AZURE", "S3", "STORJ"]);
      assert.deepEqual(await providersFor("4"), ["AWS", "GCP", "AZURE"]);
      assert.deepEqual(await providersFor("5"), ["AWS", "GCP", "AZURE", "S3", "STORJ"]);
      assert.deepEqual(await providersFor("3"), [
        "OPENAI",
        "GOOGLE",
        "ANTHROPIC",
        "AWS",
        "OTHER",
        "GCP",
        "AZURE",
        "S3",
        "STORJ",
      ]);
      // A provider with no known capability appears only unfiltered.
      assert.ok(!(await providersFor("0xff")).includes("CUSTOM"));
      assert.equal((await providersFor("0xFF")).length, 9);
      assert.deepEqual(await providersFor("0"), []);
      assert.deepEqual(await providersFor("8"), []);
      assert.equal((await providersFor("")).length, 10, "an empty capability is no filter");
      // Filters combine.
      assert.deepEqual(
        (await listKeys(emu, "?capability=4&provider=AWS")).map((k) => k.id),
        [id.AWS],
      );
      assert.deepEqual(await listKeys(emu, "?capability=4&provider=OPENAI"), []);
    });

    it("400 naming capability when it is not a number", async () => {
      for (const capability of ["ai", "-1", "1.5", "0x", "2a", "%20", "99999999999"]) {
        assertError(
          await emu.api("GET", `/apikeys?capability=${capability}`),
          400,
          "capability must be a number of capability bit flags (Storage 0x1, AI 0x2, Cloud 0x4, All 0xff)",
        );
      }
    });

    it("counts the configurations that use each key in aillm_count; bucket_count stays 0", async () => {
      const used = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      const unused = await createKey(emu);
      await createKeyed(emu, used);
      await createKeyed(emu, used);
      await createConfig(emu);
      const counts = (await listKeys(emu)).map((k) => [k.id, k.aillm_count, k.bucket_count]);
      assert.deepEqual(counts, [
        [used, 2, 0],
        [unused, 0, 0],
      ]);
    });

    it("401 without a token", async () => {
      assertError(await emu.api("GET", "/apikeys", undefined, null), 401);
    });
  });

  describe("PUT /apikeys/:id", () => {
    it("updates the given fields and answers {success, message}", async () => {
      const id = await createKey(emu, { region: "us-east-1", description: "before", tenantId: "t" });
      const res = await emu.api("PUT", `/apikeys/${id}`, {
        key: "AKIA-ROTATED",
        provider: "ANTHROPIC",
        endpoint: "https://api.anthropic.com",
        region: "",
        description: "after",
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const body = apiKeyWriteResponseSchema.parse(res.body);
      assert.deepEqual(body, { success: true, message: "API key updated successfully" });
      const listed = await listedKey(emu, id);
      assert.equal(listed.key, "AKIA-ROTATED");
      assert.equal(listed.provider, "ANTHROPIC");
      assert.equal(listed.endpoint, "https://api.anthropic.com");
      assert.equal(listed.description, "after");
      assert.equal(listed.tenantId, "t", "fields not sent are kept");
      assert.ok(!("region" in listed), "an empty region removes it");
    });

    it("a new secret is sealed anew, and never listed", async () => {
      const id = await createKey(emu);
      const [before] = await emu.apiKeys();
      const rotated = `${STORED_SECRET}-rotated`;
      assert.equal((await emu.api("PUT", `/apikeys/${id}`, { secret: rotated })).status, 200);
      const [after] = await emu.apiKeys();
      assert.notEqual(after.sealedSecret, before.sealedSecret);
      assert.equal(after.sealedKey, before.sealedKey, "the key was not sent, so it is kept");
      assertAbsent(JSON.stringify(await listKeys(emu)), rotated, "the list");
    });

    it("400 when the body carries workspaceId, even the current one; nothing changes", async () => {
      const id = await createKey(emu, { description: "kept" });
      for (const workspaceId of ["ws-2", "ws-1"]) {
        const res = await emu.api("PUT", `/apikeys/${id}`, { workspaceId, description: "changed" });
        assertError(
          res,
          400,
          "workspaceId cannot be changed: a stored key stays in its workspace; create a new one there instead",
        );
      }
      assert.equal((await listedKey(emu, id)).description, "kept");
    });

    it("400 naming invalid fields", async () => {
      const id = await createKey(emu);
      assertError(await emu.api("PUT", `/apikeys/${id}`, { secret: "" }), 400, "secret must not be empty");
      assertError(
        await emu.api("PUT", `/apikeys/${id}`, { endpoint: "nope" }),
        400,
        "endpoint must be an absolute http:// or https:// URL",
      );
      assertError(await emu.api("PUT", `/apikeys/${id}`, { key: 1 }), 400, "key must be a string");
      assertError(await emu.api("PUT", `/apikeys/${id}`, [1]), 400, "Request body must be a JSON object");
    });

    it("404 for an unknown id, 403 for a key in a workspace the token cannot access", async () => {
      assertError(
        await emu.api("PUT", "/apikeys/nope", { description: "x" }),
        404,
        "API key 'nope' not found",
      );
      const theirs = await createKey(emu, { workspaceId: "ws-b", description: "theirs" });
      assertError(
        await emu.api("PUT", `/apikeys/${theirs}`, { description: "mine" }, LIMITED),
        403,
        `Access denied: this token cannot access the workspace of API key '${theirs}'`,
      );
      assert.equal((await listedKey(emu, theirs)).description, "theirs");
    });

    it("keeps descriptions unique when one changes", async () => {
      await createKey(emu, { description: "one" });
      const two = await createKey(emu, { description: "two" });
      assertError(
        await emu.api("PUT", `/apikeys/${two}`, { description: "one" }),
        400,
        "A provider API key described 'one' already exists in workspace 'ws-1'",
      );
      assert.equal((await emu.api("PUT", `/apikeys/${two}`, { description: "two" })).status, 200);
      assert.equal((await emu.api("PUT", `/apikeys/${two}`, { description: "three" })).status, 200);
      await createKey(emu, { description: "two" });
    });

    it("a new key, secret or endpoint makes every configuration that uses it unvalidated; other fields do not", async () => {
      const id = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      const first = await createKeyed(emu, id);
      const second = await createKeyed(emu, id);
      const inline = await createConfig(emu);
      const validateAll = async () => {
        for (const c of [first, second, inline]) assert.equal((await validate(emu, c)).success, true);
      };
      const unvalidated = async () =>
        (await emu.state()).aiLlms.filter((c) => c.lastValidation === null).map((c) => c.id);

      await validateAll();
      await emu.api("PUT", `/apikeys/${id}`, {
        description: "d",
        region: "r",
        provider: "OTHER",
        tenantId: "t",
      });
      assert.deepEqual(await unvalidated(), []);
      await emu.api("PUT", `/apikeys/${id}`, { endpoint: "https://api.openai.com/v1" });
      assert.deepEqual(await unvalidated(), [], "the same endpoint is no change");

      for (const patch of [
        { secret: "sk-new" },
        { key: "AKIA-NEW" },
        { endpoint: "https://other.example.com/v1" },
      ]) {
        await validateAll();
        assert.equal((await listConfigs(emu, "/ai/llm/available")).length, 3);
        assert.equal((await emu.api("PUT", `/apikeys/${id}`, patch)).status, 200);
        assert.deepEqual(await unvalidated(), [first, second], JSON.stringify(patch));
        assert.deepEqual(
          (await listConfigs(emu, "/ai/llm/available")).map((c) => c.id),
          [inline],
        );
      }
      // The configuration keeps the endpoint it was created with.
      assert.equal((await listedConfig(emu, first)).endpoint, "https://api.openai.com/v1");
    });
  });

  describe("DELETE /apikeys/:id", () => {
    it("deletes an unused key and answers {success, message}", async () => {
      const id = await createKey(emu);
      const other = await createKey(emu);
      const res = await emu.api("DELETE", `/apikeys/${id}`);
      assert.equal(res.status, 200);
      assert.deepEqual(apiKeyWriteResponseSchema.parse(res.body), {
        success: true,
        message: "API key deleted successfully",
      });
      assert.deepEqual(
        (await listKeys(emu)).map((k) => k.id),
        [other],
      );
      assertError(await emu.api("DELETE", `/apikeys/${id}`), 404, `API key '${id}' not found`);
    });

    it("404 for an unknown id, 403 for a key the token cannot reach", async () => {
      assertError(await emu.api("DELETE", "/apikeys/unknown"), 404, "API key 'unknown' not found");
      const theirs = await createKey(emu, { workspaceId: "ws-b" });
      assertError(
        await emu.api("DELETE", `/apikeys/${theirs}`, undefined, LIMITED),
        403,
        `Access denied: this token cannot access the workspace of API key '${theirs}'`,
      );
      assert.equal((await listKeys(emu)).length, 1);
    });

    it("403 naming the configurations while any uses the key; succeeds once they are gone", async () => {
      const id = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      const prod = await createKeyed(emu, id, { name: "prod-openai" });
      const staging = await createKeyed(emu, id, { name: "staging-openai" });
      assert.equal((await listedKey(emu, id)).aillm_count, 2);
      assertError(
        await emu.api("DELETE", `/apikeys/${id}`),
        403,
        `API key '${id}' is in use by AI LLM configurations: prod-openai (id ${prod}), ` +
          `staging-openai (id ${staging}); point them at other credentials or delete them first`,
      );
      assert.equal((await emu.api("DELETE", `/ai/llm/${prod}`)).status, 200);
      assert.equal((await listedKey(emu, id)).aillm_count, 1);
      assertError(
        await emu.api("DELETE", `/apikeys/${id}`),
        403,
        `API key '${id}' is in use by AI LLM configurations: staging-openai (id ${staging}); ` +
          "point them at other credentials or delete them first",
      );
      // Moving the configuration to inline credentials frees the key too.
      assert.equal((await emu.api("PUT", `/ai/llm/${staging}`, { secret: SECRET })).status, 200);
      assert.equal((await listedKey(emu, id)).aillm_count, 0);
      assert.equal((await emu.api("DELETE", `/apikeys/${id}`)).status, 200);
      assert.deepEqual(await listKeys(emu), []);
    });
  });

  describe("the /apikeys routes are rate-limited per token", () => {
    it("429 with Retry-After past the limit", async () => {
      const id = await createKey(emu);
      await emu.seed({ rateLimitPerSecond: 3 });
      assert.equal((await emu.api("GET", "/apikeys")).status, 200);
      assert.equal((await emu.api("PUT", `/apikeys/${id}`, { description: "x" })).status, 200);
      assert.equal((await emu.api("POST", "/apikeys", keyBody())).status, 200);
      const refused = await emu.api("DELETE", `/apikeys/${id}`);
      assertError(refused, 429);
      assert.ok(Number(refused.headers.get("retry-after")) >= 1);
      assert.equal((await listKeys(emu, "", LIMITED)).length, 0, "another token has its own budget");
    });
  });

  describe("AI LLM configurations with a stored key (apiKeyUuid)", () => {
    it("creates one on a stored key: listed with apiKeyId, endpoint from the key, no inline key", async () => {
      const apiKey = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      const res = await emu.api("POST", "/ai/llm", keyedConfig(apiKey, { name: "on-key" }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.message, "AI LLM configuration created successfully");
      const id = res.body.aiLlmId as string;
      const inline = await createConfig(emu);
      const listed = await listedConfig(emu, id);
      assert.equal(listed.apiKeyId, apiKey);
      assert.equal(listed.endpoint, "https://api.openai.com/v1");
      assert.equal(listed.key, null);
      assert.ok(
        !("apiKeyId" in (await listedConfig(emu, inline))),
        "inline configurations carry no apiKeyId",
      );
      const state = (await emu.state()).aiLlms.find((c) => c.id === id);
      assert.deepEqual([state?.hasKey, state?.apiKeyId], [false, apiKey]);
      assert.deepEqual((await emu.apiKeys())[0].aiLlmIds, [id]);
    });

    it("an endpoint in the body wins over the key's; null endpoint, secret and key read as absent", async () => {
      const apiKey = await createKey(emu, { endpoint: "https://key.example.com/v1" });
      const own = await createKeyed(emu, apiKey, { endpoint: "https://own.example.com/v1" });
      const nulls = await createKeyed(emu, apiKey, { endpoint: null, secret: null, key: null });
      assert.equal((await listedConfig(emu, own)).endpoint, "https://own.example.com/v1");
      assert.equal((await listedConfig(emu, nulls)).endpoint, "https://key.example.com/v1");
    });

    it("400 when neither the body nor the key has an endpoint", async () => {
      const apiKey = await createKey(emu);
      assertError(
        await emu.api("POST", "/ai/llm", keyedConfig(apiKey)),
        400,
        "endpoint is required: the stored key has none",
      );
      await createKeyed(emu, apiKey, { endpoint: "https://api.openai.com/v1" });
    });

    it("400 for an unknown key or a key of another workspace; nothing is created", async () => {
      const elsewhere = await createKey(emu, { workspaceId: "ws-2", endpoint: "https://api.openai.com/v1" });
      assertError(
        await emu.api("POST", "/ai/llm", keyedConfig("no-such-key")),
        400,
        "apiKeyUuid 'no-such-key' is not a stored provider key in workspace 'ws-1'",
      );
      assertError(
        await emu.api("POST", "/ai/llm", keyedConfig(elsewhere)),
        400,
        `apiKeyUuid '${elsewhere}' is not a stored provider key in workspace 'ws-1'`,
      );
      assert.deepEqual((await emu.state()).aiLlms, []);
      await createKeyed(emu, elsewhere, { workspaceId: "ws-2" });
    });

    it("400 for apiKeyUuid with secret, or with a key; 403 for a workspace the token cannot access", async () => {
      const apiKey = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      assertError(
        await emu.api("POST", "/ai/llm", keyedConfig(apiKey, { secret: SECRET })),
        400,
        /^apiKeyUuid cannot be sent with secret/,
      );
      assertError(
        await emu.api("POST", "/ai/llm", keyedConfig(apiKey, { key: KEY })),
        400,
        "key cannot be sent with apiKeyUuid: the stored provider key supplies the credentials",
      );
      assertError(
        await emu.api("POST", "/ai/llm", keyedConfig(apiKey, { workspaceId: "ws-b" }), LIMITED),
        403,
        "Access denied: this token cannot access workspace 'ws-b'",
      );
      assert.deepEqual((await emu.state()).aiLlms, []);
      // An empty key is no key: accepted.
      await createKeyed(emu, apiKey, { key: "" });
    });

    it("400 without secret and without apiKeyUuid, and for inline credentials without endpoint", async () => {
      const noCredentials = {
        name: "n",
        aiType: "OPENAI",
        endpoint: "https://a.example.com",
        workspaceId: "ws-1",
      };
      assertError(
        await emu.api("POST", "/ai/llm", noCredentials),
        400,
        /^secret is required \(or apiKeyUuid, to use a stored provider key\)$/,
      );
      assertError(
        await emu.api("POST", "/ai/llm", { ...noCredentials, endpoint: null, secret: SECRET }),
        400,
        /^endpoint /,
      );
    });

    it("PUT apiKeyUuid moves a configuration to the key: inline secret and key dropped, validation cleared", async () => {
      const apiKey = await createKey(emu);
      const id = await createConfig(emu, { key: KEY, secret: "invalid-inline-secret" });
      assert.equal((await validate(emu, id)).success, false);
      const res = await emu.api("PUT", `/ai/llm/${id}`, { apiKeyUuid: apiKey });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, {
        success: true,
        aiLlmId: id,
        message: "AI LLM configuration updated successfully",
      });
      assert.equal((await listedConfig(emu, id)).apiKeyId, apiKey);
      assert.equal((await emu.state()).aiLlms[0].hasKey, false);
      assert.equal(await lastValidation(emu, id), null);
      assert.equal((await listedKey(emu, apiKey)).aillm_count, 1);
      // It now validates with the stored key's (good) secret instead of the inline one.
      assert.deepEqual(await validate(emu, id), { success: true, message: VALIDATED });
    });

    it("PUT apiKeyUuid with an unknown key or another workspace's key is a 400 and changes nothing", async () => {
      const elsewhere = await createKey(emu, { workspaceId: "ws-2" });
      const id = await createConfig(emu, { key: KEY });
      await validate(emu, id);
      const before = await emu.state();
      assertError(
        await emu.api("PUT", `/ai/llm/${id}`, { apiKeyUuid: elsewhere, name: "renamed" }),
        400,
        `apiKeyUuid '${elsewhere}' is not a stored provider key in workspace 'ws-1'`,
      );
      assertError(
        await emu.api("PUT", `/ai/llm/${id}`, { apiKeyUuid: "missing" }),
        400,
        "apiKeyUuid 'missing' is not a stored provider key in workspace 'ws-1'",
      );
      assertError(
        await emu.api("PUT", `/ai/llm/${id}`, { apiKeyUuid: elsewhere, secret: SECRET }),
        400,
        /^apiKeyUuid cannot be sent with secret/,
      );
      assert.deepEqual(await emu.state(), before);
    });

    it("PUT secret moves a key-based configuration back to inline credentials, with the body's key or none", async () => {
      const apiKey = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      const withKey = await createKeyed(emu, apiKey);
      const withoutKey = await createKeyed(emu, apiKey);
      await validate(emu, withKey);
      assert.equal((await emu.api("PUT", `/ai/llm/${withKey}`, { secret: SECRET, key: KEY })).status, 200);
      assert.equal(
        (await emu.api("PUT", `/ai/llm/${withoutKey}`, { secret: "invalid-inline-now" })).status,
        200,
      );
      const listed = await listConfigs(emu);
      assert.ok(
        listed.every((c) => !("apiKeyId" in c)),
        JSON.stringify(listed),
      );
      const state = (await emu.state()).aiLlms;
      assert.deepEqual(
        state.map((c) => [c.hasKey, c.apiKeyId, c.lastValidation]),
        [
          [true, undefined, null],
          [false, undefined, null],
        ],
      );
      assert.equal((await listedKey(emu, apiKey)).aillm_count, 0);
      // The inline secret now decides: the stored key's good secret no longer does.
      assert.equal((await validate(emu, withKey)).success, true);
      assert.deepEqual(await validate(emu, withoutKey), { success: false, message: REFUSED });
    });

    it("PUT key alone on a key-based configuration is a 400; an empty key changes nothing", async () => {
      const apiKey = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      const id = await createKeyed(emu, apiKey);
      await validate(emu, id);
      const message =
        "key cannot be set on a configuration that uses a stored key (apiKeyUuid); " +
        "send secret to switch to inline credentials";
      assertError(await emu.api("PUT", `/ai/llm/${id}`, { key: KEY }), 400, message);
      assertError(await emu.api("PUT", `/ai/llm/${id}`, { key: KEY, apiKeyUuid: apiKey }), 400, message);
      const inline = await createConfig(emu);
      assertError(await emu.api("PUT", `/ai/llm/${inline}`, { key: KEY, apiKeyUuid: apiKey }), 400, message);
      assert.equal((await emu.api("PUT", `/ai/llm/${id}`, { key: "" })).status, 200);
      assert.equal((await listedConfig(emu, id)).apiKeyId, apiKey);
      assert.equal((await lastValidation(emu, id))?.success, true, "an empty key is no change");
      assert.equal((await emu.state()).aiLlms.find((c) => c.id === inline)?.apiKeyId, undefined);
    });

    it("PUT with the key already in use keeps the validation; another key clears it", async () => {
      const one = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      const two = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      const id = await createKeyed(emu, one);
      await validate(emu, id);
      assert.equal((await emu.api("PUT", `/ai/llm/${id}`, { apiKeyUuid: one })).status, 200);
      assert.equal((await lastValidation(emu, id))?.success, true);
      assert.equal((await emu.api("PUT", `/ai/llm/${id}`, { apiKeyUuid: two })).status, 200);
      assert.equal(await lastValidation(emu, id), null);
      assert.deepEqual(
        (await listKeys(emu)).map((k) => k.aillm_count),
        [0, 1],
      );
    });

    it("validate uses the stored key's current secret: a rotation to an invalid one fails, rotating back succeeds", async () => {
      const apiKey = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      const id = await createKeyed(emu, apiKey);
      assert.deepEqual(await validate(emu, id), { success: true, message: VALIDATED });
      assert.equal(
        (await emu.api("PUT", `/apikeys/${apiKey}`, { secret: "invalid-rotated-secret" })).status,
        200,
      );
      assert.deepEqual(await validate(emu, id), { success: false, message: REFUSED });
      assert.deepEqual(await listConfigs(emu, "/ai/llm/available"), []);
      assert.equal((await emu.api("PUT", `/apikeys/${apiKey}`, { secret: STORED_SECRET })).status, 200);
      assert.deepEqual(await validate(emu, id), { success: true, message: VALIDATED });
      assert.deepEqual(
        (await listConfigs(emu, "/ai/llm/available")).map((c) => [c.id, c.apiKeyId]),
        [[id, apiKey]],
      );
    });

    it("validate keeps the endpoint rule for key-based configurations", async () => {
      const apiKey = await createKey(emu, { endpoint: "https://llm.example.invalid/v1" });
      const id = await createKeyed(emu, apiKey);
      const result = await validate(emu, id);
      assert.equal(result.success, false);
      assert.match(result.message, /ENOTFOUND llm\.example\.invalid/);
    });

    it("no listed field, state or log ever holds the key's secret; the plain key is only in GET /apikeys", async () => {
      const apiKey = await createKey(emu, {
        endpoint: "https://api.openai.com/v1",
        description: "leak check",
      });
      const id = await createKeyed(emu, apiKey);
      await validate(emu, id);
      await emu.api("PUT", `/apikeys/${apiKey}`, { secret: `${STORED_SECRET}-2`, key: STORED_KEY });
      await emu.api("DELETE", `/apikeys/${apiKey}`);
      const answers = [
        (await emu.api("GET", "/apikeys")).body,
        (await emu.api("GET", "/ai/llm")).body,
        (await emu.api("GET", "/ai/llm/available")).body,
        await emu.requests(),
        await emu.apiKeys(),
        await emu.state(),
      ].map((a) => JSON.stringify(a));
      for (const [i, text] of answers.entries()) {
        assertAbsent(text, STORED_SECRET, `answer ${i}`);
      }
      assert.ok(answers[0].includes(STORED_KEY), "GET /apikeys lists the key");
      for (const text of answers.slice(1))
        assertAbsent(text, STORED_KEY, "an answer other than GET /apikeys");
    });
  });

  describe("reset", () => {
    it("forgets every stored key and the configurations that used them", async () => {
      const apiKey = await createKey(emu, { endpoint: "https://api.openai.com/v1" });
      await createKeyed(emu, apiKey);
      assert.equal((await emu.apiKeys()).length, 1);
      await emu.reset();
      assert.deepEqual(await emu.apiKeys(), []);
      assert.deepEqual(await listKeys(emu), []);
      assert.deepEqual((await emu.state()).aiLlms, []);
      assertError(await emu.api("PUT", `/apikeys/${apiKey}`, { description: "x" }), 404);
    });
  });
});

describe("emulator: stored provider keys in the data file", () => {
  let dir: string;
  let dataFile: string;
  const handles: EmulatorHandle[] = [];

  async function start(encryptionKey = PASSPHRASE): Promise<EmulatorHandle> {
    const handle = await EmulatorHandle.start({ dataFile, encryptionKey });
    handles.push(handle);
    return handle;
  }

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-apikeys-"));
    dataFile = path.join(dir, "data.json");
  });
  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("keeps keys and the configurations on them across a restart, sealed: neither key nor secret is in the file", async () => {
    const first = await start();
    const full = await createKey(first, {
      endpoint: "https://api.openai.com/v1",
      region: "r",
      tenantId: "t",
      subscriptionId: "s",
      description: "persisted",
    });
    const bad = await createKey(first, {
      secret: "invalid-persisted",
      endpoint: "https://api.openai.com/v1",
    });
    const good = await createKeyed(first, full);
    const refused = await createKeyed(first, bad);
    await validate(first, good);
    const keysBefore = await listKeys(first);
    const configsBefore = await listConfigs(first);
    await first.close();

    const text = await fs.readFile(dataFile, "utf8");
    for (const value of [STORED_KEY, STORED_SECRET, "invalid-persisted"])
      assertAbsent(text, value, "the data file");
    const saved = JSON.parse(text) as {
      version: number;
      apiKeys: Array<{ id: string; sealedKey: string; sealedSecret: string }>;
      aiLlms: Array<{
        id: string;
        apiKeyId: string | null;
        sealedSecret: string | null;
        sealedKey: string | null;
      }>;
    };
    assert.equal(saved.version, 2);
    assert.deepEqual(
      saved.apiKeys.map((k) => k.id),
      [full, bad],
    );
    for (const k of saved.apiKeys) {
      assert.match(k.sealedKey, /^v1\./);
      assert.match(k.sealedSecret, /^v1\./);
    }
    assert.deepEqual(
      saved.aiLlms.map((c) => [c.id, c.apiKeyId, c.sealedSecret, c.sealedKey]),
      [
        [good, full, null, null],
        [refused, bad, null, null],
      ],
    );

    const second = await start();
    assert.deepEqual(await listKeys(second), keysBefore);
    assert.deepEqual(await listConfigs(second), configsBefore);
    assert.deepEqual(
      (await listConfigs(second, "/ai/llm/available")).map((c) => c.id),
      [good],
    );
    // Both outcomes depend on the opened secrets, so both prove they survived intact.
    assert.equal((await validate(second, good)).success, true);
    assert.equal((await validate(second, refused)).success, false);
    // New records are ordered after the loaded ones.
    const third = await createKey(second);
    assert.deepEqual(
      (await listKeys(second)).map((k) => k.id),
      [full, bad, third],
    );
  });

  it("loads a data file written before stored keys existed (no apiKeys, no apiKeyId)", async () => {
    const id = randomUUID();
    const sealer = new Sealer(deriveKey(PASSPHRASE));
    const old = {
      version: 1,
      nextSeq: 2,
      aiLlms: [
        {
          id,
          orgId: "org-emulator",
          workspaceId: "ws-1",
          userId: "user-emulator",
          name: "from-before",
          aiType: "OPENAI",
          endpoint: "https://api.openai.com/v1",
          sealedKey: null,
          sealedSecret: sealer.seal(SECRET, `${id}/secret`),
          createdAt: "2025-01-01T00:00:00.000Z",
          seq: 1,
          lastValidation: null,
        },
      ],
      repos: [],
    };
    await fs.writeFile(dataFile, JSON.stringify(old));
    const handle = await start();
    assert.deepEqual(await listKeys(handle), []);
    const listed = await listedConfig(handle, id);
    assert.ok(!("apiKeyId" in listed));
    assert.equal((await validate(handle, id)).success, true);
    const apiKey = await createKey(handle);
    assert.equal((await handle.api("PUT", `/ai/llm/${id}`, { apiKeyUuid: apiKey })).status, 200);
    await handle.close();
    const saved = JSON.parse(await fs.readFile(dataFile, "utf8")) as {
      apiKeys: Array<{ id: string; seq: number }>;
      aiLlms: Array<{ apiKeyId: string }>;
    };
    assert.deepEqual(
      saved.apiKeys.map((k) => [k.id, k.seq]),
      [[apiKey, 2]],
    );
    assert.equal(saved.aiLlms[0].apiKeyId, apiKey);
  });

  it("a configuration whose stored key is missing from the file loads, and validate says the key is gone", async () => {
    const id = randomUUID();
    const file = {
      version: 1,
      nextSeq: 2,
      aiLlms: [
        {
          id,
          orgId: "o",
          workspaceId: "ws-1",
          userId: "u",
          name: "orphan",
          aiType: "OPENAI",
          endpoint: "https://api.openai.com/v1",
          sealedKey: null,
          sealedSecret: null,
          apiKeyId: "gone-key",
          createdAt: "2025-01-01T00:00:00.000Z",
          seq: 1,
          lastValidation: { success: true, at: "2025-01-01T00:00:00.000Z" },
        },
      ],
      repos: [],
      apiKeys: [],
    };
    await fs.writeFile(dataFile, JSON.stringify(file));
    const handle = await start();
    assert.equal((await listedConfig(handle, id)).apiKeyId, "gone-key");
    assert.deepEqual(await validate(handle, id), {
      success: false,
      message:
        "Validation failed: the stored provider key 'gone-key' no longer exists; " +
        "point the configuration at another key (apiKeyUuid) or send secret",
    });
    assert.deepEqual(await listConfigs(handle, "/ai/llm/available"), []);
  });

  it("refuses a data file whose configuration has both a secret and an apiKeyId, or neither", async () => {
    const base = {
      id: "c1",
      orgId: "o",
      workspaceId: "ws-1",
      userId: "u",
      name: "n",
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      sealedKey: null,
      createdAt: "2025-01-01T00:00:00.000Z",
      seq: 1,
      lastValidation: null,
    };
    for (const credentials of [
      { sealedSecret: "v1.x.y.z", apiKeyId: "k" },
      { sealedSecret: null, apiKeyId: null },
      { sealedSecret: null },
    ]) {
      const content = JSON.stringify({
        version: 1,
        nextSeq: 2,
        aiLlms: [{ ...base, ...credentials }],
        repos: [],
      });
      await fs.writeFile(dataFile, content);
      await assert.rejects(startEmulator({ dataFile }), DataFileError);
      assert.equal(await fs.readFile(dataFile, "utf8"), content);
    }
  });

  it("with another encryption key, the listed key is null and validate reports the unreadable stored secret", async () => {
    const first = await start();
    const apiKey = await createKey(first, { endpoint: "https://api.openai.com/v1" });
    const id = await createKeyed(first, apiKey);
    await first.close();
    const second = await start("another passphrase");
    assert.equal((await listedKey(second, apiKey)).key, null);
    const result = await validate(second, id);
    assert.equal(result.success, false);
    assert.match(
      result.message,
      new RegExp(`the secret of stored provider key '${apiKey}' cannot be decrypted`),
    );
    // Rotating both credentials under the current key repairs it.
    await second.api("PUT", `/apikeys/${apiKey}`, { key: STORED_KEY, secret: STORED_SECRET });
    assert.equal((await listedKey(second, apiKey)).key, STORED_KEY);
    assert.equal((await validate(second, id)).success, true);
  });

  it("reset is persisted: the file keeps no stored key", async () => {
    const handle = await start();
    await createKey(handle);
    await handle.reset();
    await handle.close();
    const saved = JSON.parse(await fs.readFile(dataFile, "utf8")) as { apiKeys: unknown[] };
    assert.deepEqual(saved.apiKeys, []);
  });
});
