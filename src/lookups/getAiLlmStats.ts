/**
 * `getAiLlmStats`: usage counters of configurations.
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import { optionalText } from "./args";
import { toUsageStats, type AiLlmStatsLookupResult } from "./results";
import { runLookup, runLookupOutput, type LookupSpec } from "./run";
import type { LookupOptions } from "./settings";

/** Arguments of {@link getAiLlmStats}. */
export interface GetAiLlmStatsArgs {
  /** Only this configuration's counters; default: every configuration the credentials reach. */
  aiLlmId?: string;
}

/** Arguments of {@link getAiLlmStatsOutput}. */
export interface GetAiLlmStatsOutputArgs {
  /** Only this configuration's counters; default: every configuration the credentials reach. */
  aiLlmId?: pulumi.Input<string>;
}

const FN = "getAiLlmStats";

const spec: LookupSpec<GetAiLlmStatsArgs | undefined, string | undefined, AiLlmStatsLookupResult> = {
  fn: FN,
  check: (args) => optionalText(FN, "aiLlmId", args?.aiLlmId),
  describe: (aiLlmId) => (aiLlmId === undefined ? undefined : `aiLlmId "${aiLlmId}"`),
  async query(client, aiLlmId) {
    const stats = (await client.getAiLlmStats(aiLlmId)).map(toUsageStats);
    return aiLlmId === undefined ? { stats } : { aiLlmId, stats };
  },
};

/**
 * Reads usage counters (API calls, tokens, policy violations, alerts, blocks), cumulative,
 * as numbers. `aiLlmId` is passed to the API's own filter (`GET /ai/llm/stats?aiLlmId=…`);
 * without it, one entry per configuration the credentials reach. GET requests only, made
 * during `pulumi preview` too. Counters change with traffic, so an output that exports
 * them shows a change on most runs.
 *
 * @param args Optional `aiLlmId`.
 * @param opts `provider`: the account to ask; default stack configuration, then environment.
 * @returns `{ aiLlmId?, stats }`.
 */
export function getAiLlmStats(
  args?: GetAiLlmStatsArgs,
  opts?: LookupOptions,
): Promise<AiLlmStatsLookupResult> {
  return runLookup(spec, args, opts);
}

/**
 * {@link getAiLlmStats} with Pulumi Inputs; runs once they are known, during preview too.
 * The result is secret only when an argument is.
 */
export function getAiLlmStatsOutput(
  args?: GetAiLlmStatsOutputArgs,
  opts?: LookupOptions,
): pulumi.Output<AiLlmStatsLookupResult> {
  return runLookupOutput(spec, args ?? {}, opts, (plain): GetAiLlmStatsArgs => plain);
}
