/**
 * Lookups: read Flashback AI LLM configurations a stack does not manage. Dynamic providers
 * have no invoke, so these run in the program itself, with the provider's settings rules:
 * an explicit `FlashbackProvider`, or stack configuration (`flashback:*`) then the
 * environment (`FLASHBACK_*`). GET requests only, made during `pulumi preview` too.
 * @packageDocumentation
 */
export { getAiLlmConfig, getAiLlmConfigOutput } from "./getAiLlmConfig";
export type { GetAiLlmConfigArgs, GetAiLlmConfigOutputArgs } from "./getAiLlmConfig";
export { getAiLlmConfigs, getAiLlmConfigsOutput } from "./getAiLlmConfigs";
export type { GetAiLlmConfigsArgs, GetAiLlmConfigsOutputArgs } from "./getAiLlmConfigs";
export { getAvailableAiLlms, getAvailableAiLlmsOutput } from "./getAvailableAiLlms";
export type { GetAvailableAiLlmsArgs, GetAvailableAiLlmsOutputArgs } from "./getAvailableAiLlms";
export { getAiLlmStats, getAiLlmStatsOutput } from "./getAiLlmStats";
export type { GetAiLlmStatsArgs, GetAiLlmStatsOutputArgs } from "./getAiLlmStats";
export { AiLlmConfigNotFoundError, LookupError } from "./errors";
export type { AiLlmConfigSelector } from "./errors";
export type { LookupOptions } from "./settings";
export type {
  AiLlmConfigLookupResult,
  AiLlmConfigsLookupResult,
  AvailableAiLlmsLookupResult,
  AiLlmStatsLookupResult,
  AiLlmUsageStats,
} from "./results";
