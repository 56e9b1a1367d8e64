/**
 * `getAiLlmConfig`: one configuration of a workspace, by name or by id.
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import { requireText } from "./args";
import { AiLlmConfigNotFoundError, LookupError, type AiLlmConfigSelector } from "./errors";
import { toConfigResult, type AiLlmConfigLookupResult } from "./results";
import { runLookup, runLookupOutput, type LookupSpec } from "./run";
import type { LookupOptions } from "./settings";

/** Arguments of {@link getAiLlmConfig}: a workspace and the configuration's name or its id. */
export type GetAiLlmConfigArgs = { workspaceId: string; name: string } | { workspaceId: string; id: string };

/** Arguments of {@link getAiLlmConfigOutput}: those of {@link getAiLlmConfig}, as Pulumi Inputs. */
export type GetAiLlmConfigOutputArgs =
  | { workspaceId: pulumi.Input<string>; name: pulumi.Input<string> }
  | { workspaceId: pulumi.Input<string>; id: pulumi.Input<string> };

const FN = "getAiLlmConfig";

interface Checked {
  workspaceId: string;
  selector: AiLlmConfigSelector;
}

const spec: LookupSpec<GetAiLlmConfigArgs, Checked, AiLlmConfigLookupResult> = {
  fn: FN,
  check(args) {
    const given = (args ?? {}) as { workspaceId?: unknown; name?: unknown; id?: unknown };
    const workspaceId = requireText(FN, "workspaceId", given.workspaceId);
    const hasName = given.name !== undefined;
    const hasId = given.id !== undefined;
    if (hasName === hasId)
      throw new LookupError(`${FN}: pass either name or id, not ${hasName ? "both" : "neither"}`);
    const selector = hasName
      ? { name: requireText(FN, "name", given.name) }
      : { id: requireText(FN, "id", given.id) };
    return { workspaceId, selector };
  },
  describe: ({ workspaceId }) => `workspace "${workspaceId}"`,
  async query(client, { workspaceId, selector }) {
    const listed = await client.listAiLlms(workspaceId);
    // The list is already limited to the workspace; checked again in case a server ignores the filter.
    const inWorkspace = listed.filter((config) => config.workspaceId === workspaceId);
    const matches =
      "name" in selector
        ? inWorkspace.filter((config) => config.name === selector.name)
        : inWorkspace.filter((config) => config.id === selector.id);
    if (matches.length === 1) return toConfigResult(matches[0]);
    if (matches.length > 1) {
      throw new LookupError(
        `${FN}: ${matches.length} AI LLM configurations match in workspace "${workspaceId}"; look it up by id instead`,
      );
    }
    let hint: string | undefined;
    if ("name" in selector) {
      const wanted = selector.name.toLowerCase();
      const near = inWorkspace.find((config) => config.name.toLowerCase() === wanted);
      if (near !== undefined) hint = `"${near.name}" differs only in case (names are matched exactly)`;
    }
    throw new AiLlmConfigNotFoundError(workspaceId, selector, inWorkspace.length, hint);
  },
};

/**
 * Looks up one AI LLM configuration of a workspace by its name or its id, for a stack that
 * uses a configuration it does not manage (made by hand or by another stack).
 *
 * Lists the workspace once (`GET /ai/llm?workspaceId=…`; the API has no single read) and
 * picks the match. Makes GET requests only, and makes them during `pulumi preview` too, as
 * a provider's invoke would. The result holds no credential (Flashback returns none).
 *
 * @param args The workspace, and `name` or `id` (exactly one of them).
 * @param opts `provider`: the account to ask; default stack configuration, then environment.
 * @returns The configuration's fields: id, name, aiType, endpoint, workspaceId, orgId, userId, createdAt, repos.
 * @throws AiLlmConfigNotFoundError when the workspace holds no such configuration; the message
 *   names the workspace, the name or id, and how many configurations the workspace holds.
 * @throws Error when the settings are missing or the API call fails (never with a credential in it).
 *
 * @example
 * ```ts
 * const shared = await getAiLlmConfig({ workspaceId: "ws-platform", name: "Shared OpenAI" });
 * ```
 */
export function getAiLlmConfig(
  args: GetAiLlmConfigArgs,
  opts?: LookupOptions,
): Promise<AiLlmConfigLookupResult> {
  return runLookup(spec, args, opts);
}

/**
 * {@link getAiLlmConfig} with Pulumi Inputs: runs once the arguments (and an explicit
 * provider's arguments) are known, also during `pulumi preview` (GET requests only), and
 * fails the program with the same message when nothing matches. The result is secret only
 * when an argument is.
 *
 * @example
 * ```ts
 * const shared = getAiLlmConfigOutput({ workspaceId: "ws-platform", name: "Shared OpenAI" });
 * export const sharedId = shared.id;
 * ```
 */
export function getAiLlmConfigOutput(
  args: GetAiLlmConfigOutputArgs,
  opts?: LookupOptions,
): pulumi.Output<AiLlmConfigLookupResult> {
  return runLookupOutput(spec, args, opts, (plain): GetAiLlmConfigArgs => plain);
}
