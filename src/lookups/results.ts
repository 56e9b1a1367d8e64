/**
 * What the lookups return: plain objects built field by field from the API's answers, so
 * nothing the API might add later (and no credential) slips into a program's outputs.
 * @packageDocumentation
 */
import type { AiLlmConfiguration, AiLlmStats, AiType } from "../schemas";

/** One AI LLM configuration as Flashback lists it. Flashback never returns its secret or key. */
export interface AiLlmConfigLookupResult {
  /** The configuration's id (the `aiLlmId` of an `AiLlmConfig`). */
  id: string;
  /** Display name, unique within the workspace. */
  name: string;
  /** Provider type. */
  aiType: AiType;
  /** Provider base URL. */
  endpoint: string;
  /** The owning workspace. */
  workspaceId: string;
  /** The owning organization, when the API reports it. */
  orgId?: string;
  /** The user who created it, when the API reports it. */
  userId?: string;
  /** Creation time (ISO 8601), when the API reports it. */
  createdAt?: string;
  /** Names of the repositories that use the configuration. */
  repos: string[];
  /** The stored provider key it takes its credentials from, when it uses one. */
  apiKeyId?: string;
}

/** Result of `getAiLlmConfigs`: every configuration of one workspace. */
export interface AiLlmConfigsLookupResult {
  /** The workspace that was listed. */
  workspaceId: string;
  /** Its configurations, in the order the API lists them. */
  configs: AiLlmConfigLookupResult[];
}

/** Result of `getAvailableAiLlms`: the configurations ready for use. */
export interface AvailableAiLlmsLookupResult {
  /** The workspace the result is limited to; absent when it covers every workspace the credentials reach. */
  workspaceId?: string;
  /** The configurations Flashback reports as available, newest first. */
  configs: AiLlmConfigLookupResult[];
}

/** Usage counters of one configuration (cumulative, as the API reports them). */
export interface AiLlmUsageStats {
  /** The configuration the counters belong to. */
  aiLlmId: string;
  /** Requests sent to the provider. */
  totalApiCalls: number;
  /** Tokens in the requests. */
  totalTokensIn: number;
  /** Tokens in the responses. */
  totalTokensOut: number;
  /** Input tokens counted by the model. */
  totalLlmTokensIn: number;
  /** Output tokens counted by the model. */
  totalLlmTokensOut: number;
  /** Policy violations detected. */
  totalPolicyViolations: number;
  /** Alerts triggered. */
  totalAlerts: number;
  /** Requests blocked. */
  totalBlocks: number;
}

/** Result of `getAiLlmStats`. */
export interface AiLlmStatsLookupResult {
  /** The configuration the result is limited to; absent for every configuration the credentials reach. */
  aiLlmId?: string;
  /** One entry per configuration. */
  stats: AiLlmUsageStats[];
}

/** The documented fields of a listed configuration, without `key` (null or masked, never useful). */
export function toConfigResult(live: AiLlmConfiguration): AiLlmConfigLookupResult {
  const result: AiLlmConfigLookupResult = {
    id: live.id,
    name: live.name,
    aiType: live.aiType,
    endpoint: live.endpoint,
    workspaceId: live.workspaceId,
    repos: (live.repos ?? []).map((repo) => repo.name),
  };
  // Absent rather than undefined: Pulumi outputs and deepEqual read them the same way then.
  if (live.orgId !== undefined) result.orgId = live.orgId;
  if (live.userId !== undefined) result.userId = live.userId;
  if (live.createdAt !== undefined) result.createdAt = live.createdAt;
  if (typeof live.apiKeyId === "string" && live.apiKeyId !== "") result.apiKeyId = live.apiKeyId;
  return result;
}

/** The documented counters of one stats row, already numbers (the schema parses them). */
export function toUsageStats(row: AiLlmStats): AiLlmUsageStats {
  return {
    aiLlmId: row.aiLlmId,
    totalApiCalls: row.totalApiCalls,
    totalTokensIn: row.totalTokensIn,
    totalTokensOut: row.totalTokensOut,
    totalLlmTokensIn: row.totalLlmTokensIn,
    totalLlmTokensOut: row.totalLlmTokensOut,
    totalPolicyViolations: row.totalPolicyViolations,
    totalAlerts: row.totalAlerts,
    totalBlocks: row.totalBlocks,
  };
}
