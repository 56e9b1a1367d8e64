import type { DeclaredInputs } from "./fields";

export {
  REPLACE_FIELDS,
  UPDATABLE_FIELDS,
  VALIDATION_MODES,
  type UpdatableField,
  type ValidationMode,
} from "./fields";

/**
 * The resource's inputs as the provider sees them: plain values, because the dynamic
 * provider host unwraps secrets before calling us. The declared ones come from the
 * field table (fields.ts): exactly one of `secret` and `apiKeyId` is set.
 */
export type AiLlmConfigInputs = DeclaredInputs & {
  /** Set by the resource class only when another resource of the program declares the same configuration. */
  conflict?: string;
};

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
