import assert from "node:assert/strict";
import { checkApiKeyInputs, declaredApiKeyInputs, diffApiKeyInputs } from "../../src/provider/apiKey/fields";
import { UNKNOWN_VALUE } from "../../src/provider/inputs";

const valid = {
  provider: "OPENAI",
  key: "org-1",
  secret: "sk-1",
  workspaceId: "ws-1",
  description: "OpenAI, shared",
};

describe("stored provider key: check and diff", () => {
  it("accepts a valid key, with or without the optional fields", () => {
    assert.deepEqual(checkApiKeyInputs(valid), []);
    assert.deepEqual(
      checkApiKeyInputs({
        ...valid,
        endpoint: "https://api.openai.com/v1",
        region: "eu",
        adoptExisting: true,
      }),
      [],
    );
  });

  it("reports each bad field by name, with how to fix it, never quoting a value", () => {
    const failures = checkApiKeyInputs({
      provider: "",
      key: undefined,
      secret: " ",
      description: 3,
      endpoint: "not a url sk-visible",
      region: 5,
      adoptExisting: "yes",
    });
    assert.deepEqual(
      failures.map((f) => f.property),
      ["provider", "key", "secret", "workspaceId", "description", "endpoint", "region", "adoptExisting"],
    );
    for (const failure of failures) {
      assert.ok(failure.reason.startsWith(failure.property), failure.reason);
      assert.ok(!failure.reason.includes("sk-visible"));
    }
  });

  it("reports a conflict the resource class found (two keys of one description), as its own failure", () => {
    const failures = checkApiKeyInputs({
      ...valid,
      conflict: 'ProviderApiKey "a" and ProviderApiKey "b" both declare',
    });
    assert.deepEqual(
      failures.map((f) => f.property),
      ["conflict"],
    );
    assert.match(failures[0].reason, /both declare/);
  });

  it("lets unknown values through and never throws on odd input", () => {
    assert.deepEqual(checkApiKeyInputs({ ...valid, secret: UNKNOWN_VALUE, workspaceId: UNKNOWN_VALUE }), []);
    for (const odd of [undefined, null, 7, "x", []]) assert.ok(Array.isArray(checkApiKeyInputs(odd)));
  });

  it("updates in place on a rotation or any other change, replaces on a workspace change", () => {
    assert.deepEqual(diffApiKeyInputs(valid, { ...valid }), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    assert.deepEqual(diffApiKeyInputs(valid, { ...valid, secret: "sk-2" }).replaces, []);
    assert.equal(diffApiKeyInputs(valid, { ...valid, secret: "sk-2" }).changes, true);
    assert.equal(
      diffApiKeyInputs(valid, { ...valid, region: "" }).changes,
      false,
      "empty and unset are the same",
    );
    assert.deepEqual(diffApiKeyInputs(valid, { ...valid, workspaceId: "ws-2" }).replaces, ["workspaceId"]);
    assert.deepEqual(diffApiKeyInputs(valid, { ...valid, workspaceId: UNKNOWN_VALUE }).replaces, [
      "workspaceId",
    ]);
    assert.equal(diffApiKeyInputs(valid, { ...valid, adoptExisting: true }).changes, false);
  });

  it("keeps only declared inputs out of a bag of outputs", () => {
    assert.deepEqual(
      declaredApiKeyInputs({ ...valid, apiKeyId: "k", createdAt: "t", aiLlmCount: 2, region: null }),
      valid,
    );
  });
});
