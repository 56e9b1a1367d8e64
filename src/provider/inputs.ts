import type { AiType } from "../schemas";

/** How the provider checks credentials after a create or an update. */
export type ValidationMode = "off" | "warn" | "require";

/** The validation modes, in the order the docs list them. */
export const VALIDATION_MODES: readonly ValidationMode[] = ["off", "warn", "require"];

/**
 * The resource's inputs as the provider sees them: plain values, because the
 * dynamic provider host unwraps secrets before calling us.
 */
export interface AiLlmConfigInputs {
  name: string;
  aiType: AiType;
  endpoint: string;
  /** Inline credentials: the provider secret. Exactly one of `secret` and `apiKeyId` is set. */
  secret?: string;
  /** Inline credentials: the optional access key (never with `apiKeyId`). */
  key?: string;
  /** The stored provider key whose credentials the configuration uses (`apiKeyUuid` on the wire). */
  apiKeyId?: string;
  workspaceId: string;
  validate?: ValidationMode;
  adoptExisting?: boolean;
  /** Set by the resource class only when another resource of the program declares the same configuration. */
  conflict?: string;
}

/** What the provider records in state: the inputs plus what Flashback computed. */
export interface AiLlmConfigOutputs extends AiLlmConfigInputs {
  aiLlmId: string;
  orgId?: string;
  createdAt?: string;
  /** Names of the repositories that use the configuration. */
  repos: string[];
  /** Present when validation ran: whether the provider accepted the credentials. */
  validated?: boolean;
  /** Present when validation ran: Flashback's message about the check. */
  validationMessage?: string;
  /** True when the create took over an existing configuration (adoptExisting) instead of making one. */
  adopted?: boolean;
}

/** The fields Flashback can change in place with `PUT /ai/llm/{id}`. */
export const UPDATABLE_FIELDS = ["name", "aiType", "endpoint", "key", "secret", "apiKeyId"] as const;

/** One field that `PUT /ai/llm/{id}` can change. */
export type UpdatableField = (typeof UPDATABLE_FIELDS)[number];

/** The fields whose change needs a new configuration (the update endpoint cannot move workspaces). */
export const REPLACE_FIELDS = ["workspaceId"] as const;

/**
 * The value the Pulumi engine puts in place of an input that is not known yet
 * (during preview). It is `rpc.unknownValue` in @pulumi/pulumi; copied here so the
 * provider process does not load the SDK's runtime for one constant.
 */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when the engine has not computed this input yet. */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}
