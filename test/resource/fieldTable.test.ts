import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AI_LLM_CONFIG_FIELDS, DECLARED_FIELDS, SECRET_FIELDS } from "../../src/provider/fields";
import { declaredProps, SECRET_INPUTS } from "../../src/resource/aiLlmConfig";

/*
 * The resource class keeps its own argument list (a program loads it without zod, and
 * its arguments carry the user's documentation); these tests hold it to the provider's
 * field table, so that a field added to one and not the other fails here.
 */
describe("AiLlmConfig and the provider's field table", () => {
  const args = {
    name: "n",
    aiType: "OPENAI" as const,
    endpoint: "https://api.openai.com/v1",
    secret: "s",
    key: "k",
    workspaceId: "w",
  };

  it("registers every declared field of the table, and no other input", () => {
    const props = declaredProps("resource", args);
    const computed = ["aiLlmId", "orgId", "createdAt", "repos", "validated", "validationMessage", "adopted"];
    const inputs = Object.keys(props).filter((k) => !computed.includes(k) && k !== "conflict");
    assert.deepEqual([...inputs].sort(), [...DECLARED_FIELDS].sort());
  });

  it("marks as secret exactly the table's secret fields", async () => {
    assert.deepEqual([...SECRET_INPUTS].sort(), [...SECRET_FIELDS].sort());
    const props = declaredProps("resource", args);
    for (const field of DECLARED_FIELDS) {
      const value = props[field];
      // isSecret is on every Output at run time, though not in its public type.
      const secret = pulumi.Output.isInstance(value)
        ? await (value as unknown as { isSecret: Promise<boolean> }).isSecret
        : false;
      assert.equal(secret, field in AI_LLM_CONFIG_FIELDS && SECRET_FIELDS.includes(field as never), field);
    }
  });
});
