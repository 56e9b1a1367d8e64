import * as pulumi from "@pulumi/pulumi";
import { getAiLlmConfigOutput } from "pulumi-flashback";

/*
 * A stack that uses an AI LLM configuration another team manages in Flashback. It looks
 * the configuration up by name instead of declaring it, so nothing here can change or
 * delete it. The lookup runs in `pulumi preview` too (GET requests only) and fails it,
 * naming the workspace and the name, when the configuration is not there. Credentials
 * for Flashback come from `flashback:apiUrl` and `flashback:token` (set with --secret)
 * or FLASHBACK_API_URL / FLASHBACK_TOKEN; pass `{ provider }` to ask another account.
 */
const config = new pulumi.Config();
const shared = getAiLlmConfigOutput({
  workspaceId: config.get("workspaceId") ?? "workspace-123",
  name: config.get("configurationName") ?? "Shared OpenAI",
});

/** Flashback's id of the configuration (e.g. to attach it to a repository). */
export const sharedId = shared.id;
/** Where it sends requests, and to which kind of provider. */
export const sharedEndpoint = shared.endpoint;
export const sharedAiType = shared.aiType;
/** Repositories that already use it. */
export const sharedRepos = shared.repos;
