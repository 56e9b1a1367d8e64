import * as pulumi from "@pulumi/pulumi";
import { AiLlmConfig } from "pulumi-flashback";

/*
 * Two AI provider configurations in one Flashback workspace. Credentials for
 * Flashback itself come from `flashback:apiUrl` and `flashback:token` (set with
 * --secret) or FLASHBACK_API_URL / FLASHBACK_TOKEN.
 */
const config = new pulumi.Config();
const workspaceId = config.get("workspaceId") ?? "workspace-123";

const openai = new AiLlmConfig("openai", {
  name: "Production OpenAI",
  aiType: "OPENAI",
  endpoint: "https://api.openai.com/v1",
  secret: config.requireSecret("openaiSecret"),
  workspaceId,
  validate: "warn",
});

const claude = new AiLlmConfig("claude", {
  name: "Claude",
  aiType: "ANTHROPIC",
  endpoint: "https://api.anthropic.com/v1",
  secret: config.requireSecret("anthropicSecret"),
  workspaceId,
});

/** Flashback's id of the OpenAI configuration. */
export const openaiId = openai.aiLlmId;
/** Flashback's id of the Anthropic configuration. */
export const claudeId = claude.aiLlmId;
/** Whether Flashback accepted the OpenAI credentials. */
export const openaiValidated = openai.validated;
/** Repositories that use the OpenAI configuration. */
export const openaiRepos = openai.repos;
