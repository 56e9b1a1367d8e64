import * as pulumi from "@pulumi/pulumi";
import { AiLlmConfig, ProviderApiKey } from "pulumi-flashback";

/*
 * One OpenAI credential, stored once in Flashback, used by three configurations.
 * Rotating it is one change here (`pulumi config set --secret openaiSecret ...`, then
 * `pulumi up`): one update of the key, none of the configurations. Destroy deletes the
 * configurations before the key, because each depends on `openaiKey.id`.
 */
const config = new pulumi.Config();
const workspaceId = config.get("workspaceId") ?? "workspace-123";

const openaiKey = new ProviderApiKey("openai-key", {
  provider: "OPENAI",
  key: config.getSecret("openaiOrganization") ?? "org-main",
  secret: config.requireSecret("openaiSecret"),
  description: "OpenAI, shared by the platform team",
  workspaceId,
});

const uses = { chat: "Chat assistant", search: "Search ranking", batch: "Batch summaries" };
const configurations = Object.entries(uses).map(
  ([resourceName, name]) =>
    new AiLlmConfig(resourceName, {
      name,
      aiType: "OPENAI",
      endpoint: "https://api.openai.com/v1",
      apiKeyId: openaiKey.id,
      workspaceId,
    }),
);

/** The stored key's id in Flashback. */
export const apiKeyId = openaiKey.apiKeyId;
/** The configurations' ids, in the order declared above. */
export const aiLlmIds = configurations.map((c) => c.aiLlmId);
