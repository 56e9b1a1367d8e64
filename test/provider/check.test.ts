import assert from "node:assert/strict";
import { checkInputs } from "../../src/provider/check";
import { UNKNOWN_VALUE } from "../../src/provider/inputs";

const valid = {
  name: "Production OpenAI",
  aiType: "OPENAI",
  endpoint: "https://api.openai.com/v1",
  secret: "sk-test-value",
  workspaceId: "ws-1",
};

function properties(news: unknown): string[] {
  return checkInputs(news).map((f) => f.property);
}

describe("provider check", () => {
  it("accepts a valid configuration, with or without the optional fields", () => {
    assert.deepEqual(checkInputs(valid), []);
    assert.deepEqual(checkInputs({ ...valid, key: "k", validate: "require", adoptExisting: true }), []);
  });

  it("reports one failure per bad field, each naming the field and the fix", () => {
    const failures = checkInputs({
      name: " ",
      aiType: "openai",
      endpoint: "api.openai.com",
      secret: "",
      workspaceId: undefined,
      validate: "always",
      adoptExisting: "yes",
      key: 42,
    });
    assert.deepEqual(
      failures.map((f) => f.property),
      ["name", "aiType", "endpoint", "secret", "key", "workspaceId", "validate", "adoptExisting"],
    );
    for (const failure of failures) {
      assert.ok(failure.reason.startsWith(failure.property), `reason names the field: ${failure.reason}`);
    }
    assert.match(failures[1].reason, /OPENAI, GOOGLE, ANTHROPIC, AWS, OTHER/);
    assert.match(failures[2].reason, /absolute http:\/\/ or https:\/\/ URL/);
  });

  it("rejects endpoints that are not absolute http(s) URLs", () => {
    for (const endpoint of [
      "ftp://host/x",
      "/relative/path",
      "https://",
      "not a url",
      "file:///etc/passwd",
    ]) {
      assert.deepEqual(properties({ ...valid, endpoint }), ["endpoint"], endpoint);
    }
  });

  it("lets values that are unknown during preview through", () => {
    const news = Object.fromEntries(Object.keys(valid).map((k) => [k, UNKNOWN_VALUE]));
    assert.deepEqual(checkInputs(news), []);
  });

  it("never quotes the value it rejects, so a misplaced secret is not printed", () => {
    const secret = "sk-live-misplaced-secret";
    const failures = checkInputs({ ...valid, aiType: secret, endpoint: secret, validate: secret, key: 7 });
    assert.equal(failures.length, 4);
    for (const failure of failures) assert.ok(!failure.reason.includes(secret), failure.reason);
  });

  it("does not throw on inputs that are not objects", () => {
    for (const news of [undefined, null, 42, "text", []]) {
      assert.deepEqual(properties(news), ["name", "aiType", "endpoint", "secret", "workspaceId"]);
    }
  });
});

describe("provider check: inline secret or stored key", () => {
  const withoutSecret: Record<string, unknown> = { ...valid };
  delete withoutSecret.secret;

  it("accepts apiKeyId instead of secret, also while the key's id is unknown (preview)", () => {
    assert.deepEqual(checkInputs({ ...withoutSecret, apiKeyId: "key-1" }), []);
    assert.deepEqual(checkInputs({ ...withoutSecret, apiKeyId: UNKNOWN_VALUE }), []);
  });

  it("refuses both, on whichever field is known, naming both and the way out", () => {
    const known = checkInputs({ ...valid, apiKeyId: "key-1" });
    assert.deepEqual(
      known.map((f) => f.property),
      ["secret"],
    );
    assert.match(known[0].reason, /^secret cannot be set with apiKeyId: keep apiKeyId .* or secret/);
    // The usual preview: the key is created in the same run, so its id is not known yet.
    assert.deepEqual(properties({ ...valid, apiKeyId: UNKNOWN_VALUE }), ["secret"]);
    const secretUnknown = checkInputs({ ...valid, secret: UNKNOWN_VALUE, apiKeyId: "key-1" });
    assert.deepEqual(
      secretUnknown.map((f) => f.property),
      ["apiKeyId"],
    );
    assert.match(secretUnknown[0].reason, /^apiKeyId cannot be set with secret/);
  });

  it("refuses neither, saying both ways", () => {
    const [failure, ...rest] = checkInputs(withoutSecret);
    assert.deepEqual(rest, []);
    assert.equal(failure.property, "secret");
    assert.match(failure.reason, /secret is required unless apiKeyId is set.*ProviderApiKey/);
  });

  it("refuses a key beside apiKeyId, and an apiKeyId that is not a non-empty string", () => {
    assert.deepEqual(properties({ ...withoutSecret, apiKeyId: "key-1", key: "k" }), ["key"]);
    assert.deepEqual(properties({ ...withoutSecret, apiKeyId: 7 }), ["apiKeyId"]);
    assert.deepEqual(properties({ ...withoutSecret, apiKeyId: " " }), ["apiKeyId"]);
  });
});
