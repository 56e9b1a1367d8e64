/**
 * `getAiLlmConfigs`: every configuration of a workspace.
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import { requireText } from "./args";
import { toConfigResult, type AiLlmConfigsLookupResult } from "./results";
import { runLookup, runLookupOutput, type LookupSpec } from "./run";
import type { LookupOptions } from "./settings";

/** Arguments of {@link getAiLlmConfigs}. */
export interface GetAiLlmConfigsArgs {
  /** The workspace to list. */
  workspaceId: string;
}

/** Arguments of {@link getAiLlmConfigsOutput}. */
export interface GetAiLlmConfigsOutputArgs {
  /** The workspace to list. */
  workspaceId: pulumi.Input<string>;
}

const FN = "getAiLlmConfigs";

const spec: LookupSpec<GetAiLlmConfigsArgs, string, AiLlmConfigsLookupResult> = {
  fn: FN,
  check: (args) =>
    requireText(FN, "workspaceId", (args as Partial<GetAiLlmConfigsArgs> | undefined)?.workspaceId),
  describe: (workspaceId) => `workspace "${workspaceId}"`,
  async query(client, workspaceId) {
    const listed = await client.listAiLlms(workspaceId);
    return {
      workspaceId,
      configs: listed.filter((config) => config.workspaceId === workspaceId).map(toConfigResult),
    };
  },
};

/**
 * Lists every AI LLM configuration of a workspace (one `GET /ai/llm?workspaceId=…`).
 * GET requests only, made during `pulumi preview` too. An empty list also means the
 * credentials do not reach the workspace (the API leaves such workspaces out silently).
 *
 * @param args The workspace.
 * @param opts `provider`: the account to ask; default stack configuration, then environment.
 * @returns `{ workspaceId, configs }`, configurations without any credential.
 */
export function getAiLlmConfigs(
  args: GetAiLlmConfigsArgs,
  opts?: LookupOptions,
): Promise<AiLlmConfigsLookupResult> {
  return runLookup(spec, args, opts);
}

/**
 * {@link getAiLlmConfigs} with Pulumi Inputs; runs once they are known, during preview too.
 * The result is secret only when an argument is.
 */
export function getAiLlmConfigsOutput(
  args: GetAiLlmConfigsOutputArgs,
  opts?: LookupOptions,
): pulumi.Output<AiLlmConfigsLookupResult> {
  return runLookupOutput(spec, args, opts, (plain): GetAiLlmConfigsArgs => plain);
}
