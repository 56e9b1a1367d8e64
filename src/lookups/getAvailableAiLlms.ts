/**
 * `getAvailableAiLlms`: the configurations Flashback reports as ready for use.
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import { optionalText } from "./args";
import { toConfigResult, type AvailableAiLlmsLookupResult } from "./results";
import { runLookup, runLookupOutput, type LookupSpec } from "./run";
import type { LookupOptions } from "./settings";

/** Arguments of {@link getAvailableAiLlms}. */
export interface GetAvailableAiLlmsArgs {
  /** Keep only this workspace's configurations; default: every workspace the credentials reach. */
  workspaceId?: string;
}

/** Arguments of {@link getAvailableAiLlmsOutput}. */
export interface GetAvailableAiLlmsOutputArgs {
  /** Keep only this workspace's configurations; default: every workspace the credentials reach. */
  workspaceId?: pulumi.Input<string>;
}

const FN = "getAvailableAiLlms";

const spec: LookupSpec<GetAvailableAiLlmsArgs | undefined, string | undefined, AvailableAiLlmsLookupResult> =
  {
    fn: FN,
    check: (args) => optionalText(FN, "workspaceId", args?.workspaceId),
    describe: (workspaceId) => (workspaceId === undefined ? undefined : `workspace "${workspaceId}"`),
    async query(client, workspaceId) {
      const listed = await client.listAvailableAiLlms();
      const kept = workspaceId === undefined ? listed : listed.filter((c) => c.workspaceId === workspaceId);
      const configs = kept.map(toConfigResult);
      return workspaceId === undefined ? { configs } : { workspaceId, configs };
    },
  };

/**
 * Lists the AI LLM configurations Flashback reports as available (validated and active),
 * newest first. `GET /ai/llm/available` takes no parameter and answers for every workspace
 * the credentials reach, so `workspaceId`, when given, filters that answer in the program.
 * GET requests only, made during `pulumi preview` too.
 *
 * @param args Optional `workspaceId` filter.
 * @param opts `provider`: the account to ask; default stack configuration, then environment.
 * @returns `{ workspaceId?, configs }`, configurations without any credential.
 */
export function getAvailableAiLlms(
  args?: GetAvailableAiLlmsArgs,
  opts?: LookupOptions,
): Promise<AvailableAiLlmsLookupResult> {
  return runLookup(spec, args, opts);
}

/**
 * {@link getAvailableAiLlms} with Pulumi Inputs; runs once they are known, during preview too.
 * The result is secret only when an argument is.
 */
export function getAvailableAiLlmsOutput(
  args?: GetAvailableAiLlmsOutputArgs,
  opts?: LookupOptions,
): pulumi.Output<AvailableAiLlmsLookupResult> {
  return runLookupOutput(spec, args ?? {}, opts, (plain): GetAvailableAiLlmsArgs => plain);
}
