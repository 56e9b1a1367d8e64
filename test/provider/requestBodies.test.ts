import assert from "node:assert/strict";
import { changedUpdatableFields } from "../../src/provider/diff";
import type { AiLlmConfigInputs } from "../../src/provider/inputs";
import { createAiLlmBody, updateAiLlmBody } from "../../src/provider/requestBodies";

const base = {
  name: "Chat",
  aiType: "OPENAI",
  endpoint: "https://api.openai.com/v1",
  workspaceId: "ws-1",
} as const;

const inline: AiLlmConfigInputs = { ...base, secret: "s-1", key: "k-1" };
const stored: AiLlmConfigInputs = { ...base, apiKeyId: "key-1" };

function updateBody(olds: AiLlmConfigInputs, news: AiLlmConfigInputs) {
  const fields = changedUpdatableFields(
    olds as unknown as Record<string, unknown>,
    news as unknown as Record<string, unknown>,
  );
  return updateAiLlmBody(news, fields);
}

describe("provider request bodies", () => {
  it("creates with inline credentials, or with apiKeyUuid alone", () => {
    assert.deepEqual(createAiLlmBody(inline), { ...base, secret: "s-1", key: "k-1" });
    assert.deepEqual(createAiLlmBody(stored), { ...base, apiKeyUuid: "key-1" });
  });

  it("switching to a stored key sends apiKeyUuid and no inline credential", () => {
    assert.deepEqual(updateBody(inline, stored), { apiKeyUuid: "key-1" });
  });

  it("switching back sends the whole inline set, and no key when none is declared", () => {
    assert.deepEqual(updateBody(stored, inline), { secret: "s-1", key: "k-1" });
    assert.deepEqual(updateBody(stored, { ...base, secret: "s-2" }), { secret: "s-2" });
  });

  it("within one kind, sends only what changed; a removed inline key is sent as empty", () => {
    assert.deepEqual(updateBody(stored, { ...stored, apiKeyId: "key-2", name: "Chat 2" }), {
      name: "Chat 2",
      apiKeyUuid: "key-2",
    });
    assert.deepEqual(updateBody(stored, { ...stored, endpoint: "https://example.com/v1" }), {
      endpoint: "https://example.com/v1",
    });
    assert.deepEqual(updateBody(inline, { ...base, secret: "s-1" }), { key: "" });
    assert.deepEqual(updateBody(inline, { ...inline, secret: "s-2" }), { secret: "s-2" });
  });
});
