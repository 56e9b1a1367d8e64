import type { dynamic } from "@pulumi/pulumi";
import { AI_TYPES, isHttpUrl } from "../schemas";
import { isUnknown, VALIDATION_MODES } from "./inputs";

/**
 * One rule for one input: returns a reason when the value is wrong, else undefined.
 * `inputs` is the whole record, for the rules that depend on another field.
 */
type FieldRule = (value: unknown, inputs: Record<string, unknown>) => string | undefined;

/** Why a configuration with both kinds of credentials is refused, said of one of the two fields. */
const bothCredentials = (field: "secret" | "apiKeyId"): string =>
  `${field} cannot be set with ${field === "secret" ? "apiKeyId" : "secret"}: keep apiKeyId to use the ` +
  "stored key, or secret (and key) for inline credentials";

/** Set, for the exclusive credential fields: an unknown value (preview) counts as set. */
const isSet = (value: unknown): boolean => value !== undefined && value !== null && value !== "";

const isNonBlankString = (value: unknown): value is string =>
  typeof value === "string" && value.trim().length > 0;

/*
 * Reasons never quote the value they reject: a user can put a secret in the
 * wrong field, and check failures are printed by the CLI.
 */
const RULES: Record<string, FieldRule> = {
  name: (v) =>
    isNonBlankString(v)
      ? undefined
      : "name is required: set it to a non-empty display name, unique within the workspace",
  aiType: (v) =>
    typeof v === "string" && (AI_TYPES as readonly string[]).includes(v)
      ? undefined
      : `aiType must be one of ${AI_TYPES.join(", ")} (upper case); use OTHER for an OpenAI-compatible or custom endpoint`,
  endpoint: (v) =>
    typeof v === "string" && isHttpUrl(v)
      ? undefined
      : "endpoint must be an absolute http:// or https:// URL, such as https://api.openai.com/v1",
  secret: (v, inputs) => {
    if (isSet(inputs.apiKeyId)) {
      return isSet(v) ? bothCredentials("secret") : undefined;
    }
    return isNonBlankString(v)
      ? undefined
      : "secret is required unless apiKeyId is set: set it to the provider's API secret, for example from " +
          "config.requireSecret(...), or set apiKeyId to a ProviderApiKey's id to use a stored key";
  },
  key: (v, inputs) => {
    if (isSet(v) && isSet(inputs.apiKeyId)) {
      return "key cannot be set with apiKeyId: a stored key carries its own access key; remove key";
    }
    return v === undefined || v === null || typeof v === "string"
      ? undefined
      : "key must be a string when set; leave it out when the provider needs no access key";
  },
  apiKeyId: (v, inputs) => {
    if (v === undefined || v === null) return undefined;
    if (!isNonBlankString(v)) {
      return "apiKeyId must be the id of a stored provider key (a ProviderApiKey's id); leave it out to use secret";
    }
    // Said here only when secret is not known yet; otherwise the secret rule says it.
    return isUnknown(inputs.secret) ? bothCredentials("apiKeyId") : undefined;
  },
  workspaceId: (v) =>
    isNonBlankString(v)
      ? undefined
      : "workspaceId is required: set it to the id of the Flashback workspace that owns the configuration",
  validate: (v) =>
    v === undefined || v === null || (typeof v === "string" && (VALIDATION_MODES as string[]).includes(v))
      ? undefined
      : `validate must be one of ${VALIDATION_MODES.map((m) => `"${m}"`).join(", ")}; leave it out for "off"`,
  adoptExisting: (v) =>
    v === undefined || v === null || typeof v === "boolean"
      ? undefined
      : "adoptExisting must be true or false; leave it out for false",
  // Set by the resource class when another resource of the program declares the same configuration.
  conflict: (v) => (v === undefined || v === null ? undefined : String(v)),
};

/**
 * Checks a resource's new inputs: one failure per bad field, each naming the field
 * and how to fix it. Values the engine does not know yet (preview) pass, so that a
 * preview of a program whose inputs come from other resources still succeeds.
 * Never throws, whatever it is given.
 */
export function checkInputs(news: unknown): dynamic.CheckFailure[] {
  const inputs: Record<string, unknown> =
    news !== null && typeof news === "object" ? (news as Record<string, unknown>) : {};
  const failures: dynamic.CheckFailure[] = [];
  for (const [property, rule] of Object.entries(RULES)) {
    const value = Object.prototype.hasOwnProperty.call(inputs, property) ? inputs[property] : undefined;
    if (isUnknown(value)) continue;
    const reason = rule(value, inputs);
    if (reason !== undefined) failures.push({ property, reason });
  }
  return failures;
}
