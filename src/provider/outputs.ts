import type { AiLlmConfiguration } from "../schemas";
import { DECLARED_FIELDS } from "./fields";
import type { AiLlmConfigInputs, AiLlmConfigOutputs } from "./inputs";

/**
 * Drops keys whose value is undefined: the engine's property structs cannot carry
 * them, and a key that is absent reads the same as one that is unset.
 */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The declared inputs only (the field table's), out of a bag that may hold outputs too. */
export function declaredInputs(props: Record<string, unknown>): AiLlmConfigInputs {
  return compact(
    Object.fromEntries(DECLARED_FIELDS.map((field) => [field, props[field]])),
  ) as AiLlmConfigInputs;
}

/** Names of the repositories that use a configuration. */
export function repoNames(live: AiLlmConfiguration | undefined): string[] {
  return (live?.repos ?? []).map((repo) => repo.name);
}

/**
 * The full outputs of a configuration: the declared inputs, what Flashback
 * computed (from `live` when a list has it), and the last validation.
 * Always complete, because the engine replaces the outputs with what we return.
 */
export function buildOutputs(
  id: string,
  inputs: AiLlmConfigInputs,
  live: AiLlmConfiguration | undefined,
  extra: Partial<AiLlmConfigOutputs> = {},
): AiLlmConfigOutputs {
  return compact({
    ...declaredInputs(inputs as unknown as Record<string, unknown>),
    aiLlmId: id,
    orgId: live?.orgId ?? extra.orgId,
    createdAt: live?.createdAt ?? extra.createdAt,
    repos: live ? repoNames(live) : (extra.repos ?? []),
    validated: extra.validated,
    validationMessage: extra.validationMessage,
    adopted: extra.adopted,
  });
}
