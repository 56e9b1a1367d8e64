import type { CreateAiLlmRequest, UpdateAiLlmRequest } from "../schemas";
import type { AiLlmConfigInputs, UpdatableField } from "./inputs";
import { compact } from "./outputs";

/** The `POST /ai/llm` body for declared inputs: inline credentials or a stored key, never both. */
export function createAiLlmBody(inputs: AiLlmConfigInputs): CreateAiLlmRequest {
  const credentials = inputs.apiKeyId
    ? { apiKeyUuid: inputs.apiKeyId }
    : { secret: inputs.secret, key: inputs.key };
  return compact({
    name: inputs.name,
    aiType: inputs.aiType,
    endpoint: inputs.endpoint,
    workspaceId: inputs.workspaceId,
    ...credentials,
  }) as CreateAiLlmRequest;
}

/**
 * The `PUT /ai/llm/{id}` body that moves a configuration to `news`, given the fields
 * that changed. Credentials travel as one set: a configuration that uses a stored key
 * gets `apiKeyUuid` alone; one that uses inline credentials gets its changed `secret` and
 * `key`, or both whenever it leaves a stored key (the API forgets them on the switch).
 */
export function updateAiLlmBody(
  news: AiLlmConfigInputs,
  fields: readonly UpdatableField[],
): UpdateAiLlmRequest {
  const body: UpdateAiLlmRequest = {};
  if (fields.includes("name")) body.name = news.name;
  if (fields.includes("aiType")) body.aiType = news.aiType;
  if (fields.includes("endpoint")) body.endpoint = news.endpoint;
  if (news.apiKeyId) {
    if (fields.includes("apiKeyId")) body.apiKeyUuid = news.apiKeyId;
    return body;
  }
  const leavesStoredKey = fields.includes("apiKeyId");
  if (leavesStoredKey || fields.includes("secret")) body.secret = news.secret;
  // A removed key is sent as "" so Flashback drops the stored one.
  if (leavesStoredKey ? news.key : fields.includes("key")) body.key = news.key ?? "";
  return body;
}
