import assert from "node:assert/strict";
import { changedUpdatableFields, diffInputs } from "../../src/provider/diff";
import { UNKNOWN_VALUE } from "../../src/provider/inputs";

const olds = {
  name: "cfg",
  aiType: "OPENAI",
  endpoint: "https://api.openai.com/v1",
  secret: "s1",
  workspaceId: "ws-1",
  aiLlmId: "id-1",
  orgId: "org",
  repos: [],
  __provider: "old provider text",
};

describe("provider diff", () => {
  it("reports no change when the declared fields are equal", () => {
    const news = { ...olds, __provider: "new provider text", validate: "warn", adoptExisting: true };
    assert.deepEqual(diffInputs(olds, news), { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("updates name, type, endpoint, key and secret in place", () => {
    for (const [field, value] of Object.entries({
      name: "renamed",
      aiType: "OTHER",
      endpoint: "https://proxy.example.com/v1",
      secret: "s2",
      key: "k",
    })) {
      const result = diffInputs(olds, { ...olds, [field]: value });
      assert.equal(result.changes, true, field);
      assert.deepEqual(result.replaces, [], field);
      assert.deepEqual(changedUpdatableFields(olds, { ...olds, [field]: value }), [field]);
    }
  });

  it("replaces on a workspace change", () => {
    const result = diffInputs(olds, { ...olds, workspaceId: "ws-2" });
    assert.equal(result.changes, true);
    assert.deepEqual(result.replaces, ["workspaceId"]);
  });

  it("treats an unknown value as a change, and an unknown workspace as a replacement", () => {
    assert.deepEqual(changedUpdatableFields(olds, { ...olds, endpoint: UNKNOWN_VALUE }), ["endpoint"]);
    assert.deepEqual(diffInputs(olds, { ...olds, workspaceId: UNKNOWN_VALUE }).replaces, ["workspaceId"]);
  });

  it("treats a missing key and an empty key as the same", () => {
    assert.equal(diffInputs({ ...olds, key: "" }, olds).changes, false);
    assert.equal(diffInputs({ ...olds, key: "k" }, olds).changes, true);
  });
});
