import type { dynamic } from "@pulumi/pulumi";
import { isHttpUrl } from "../../schemas";
import { isUnknown } from "../inputs";

/**
 * The inputs of a `ProviderApiKey` as the provider sees them: plain values, because the
 * dynamic provider host unwraps secrets before calling us.
 */
export interface ProviderApiKeyInputs {
  provider: string;
  key: string;
  secret: string;
  workspaceId: string;
  description: string;
  endpoint?: string;
  region?: string;
  tenantId?: string;
  subscriptionId?: string;
  adoptExisting?: boolean;
  /** Set by the resource class only when another resource of the program declares the same key. */
  conflict?: string;
}

/** What the provider records in state for a stored key: the inputs plus what Flashback reports. */
export interface ProviderApiKeyOutputs extends ProviderApiKeyInputs {
  apiKeyId: string;
  createdAt?: string;
  /** How many AI LLM configurations use the key (as of the last create or refresh). */
  aiLlmCount?: number;
  /** How many storage buckets use the key (as of the last create or refresh). */
  bucketCount?: number;
  /** True when the create took over an existing key (adoptExisting) instead of making one. */
  adopted?: boolean;
}

/** A declared input of a stored key. */
export type ApiKeyField = Exclude<keyof ProviderApiKeyInputs, "adoptExisting" | "conflict">;

/** How one input is checked, and what a change of it means. */
interface FieldSpec {
  /** The failure reason, when the value is wrong; never quotes the value. */
  check: (value: unknown) => string | undefined;
  /** `PUT /apikeys/{id}` cannot change it: a new key is made instead. */
  replaces?: true;
  /** `GET /apikeys` reports it, so a change made outside Pulumi is seen by a refresh. */
  listed?: true;
}

const nonBlank = (value: unknown): boolean => typeof value === "string" && value.trim() !== "";
const optionalString = (field: string) => (value: unknown) =>
  value === undefined || value === null || typeof value === "string"
    ? undefined
    : `${field} must be a string when set; leave it out otherwise`;

/**
 * Every input of a stored key, written once: its check at preview, whether changing it
 * replaces the key, and whether Flashback lists it back. Body building, diff, drift and
 * outputs are derived from this table.
 */
export const API_KEY_FIELDS: Record<ApiKeyField, FieldSpec> = {
  provider: {
    check: (v) =>
      nonBlank(v)
        ? undefined
        : "provider is required: the credential's provider as Flashback names it, such as OPENAI, ANTHROPIC, GOOGLE, AWS or GCP",
    listed: true,
  },
  key: {
    check: (v) =>
      nonBlank(v)
        ? undefined
        : "key is required: the provider's access key or key id (Flashback stores both a key and a secret)",
    listed: true,
  },
  secret: {
    check: (v) =>
      nonBlank(v)
        ? undefined
        : "secret is required: set it to the provider's API secret, for example from config.requireSecret(...)",
  },
  workspaceId: {
    check: (v) =>
      nonBlank(v)
        ? undefined
        : "workspaceId is required: set it to the id of the Flashback workspace that owns the key",
    replaces: true,
  },
  description: {
    check: (v) =>
      nonBlank(v)
        ? undefined
        : "description is required: a text unique within the workspace, by which the key is found again " +
          "(after a lost create, or to adopt it)",
    listed: true,
  },
  endpoint: {
    check: (v) =>
      v === undefined || v === null || (typeof v === "string" && isHttpUrl(v))
        ? undefined
        : "endpoint must be an absolute http:// or https:// URL when set, such as https://api.openai.com/v1",
    listed: true,
  },
  region: { check: optionalString("region"), listed: true },
  tenantId: { check: optionalString("tenantId"), listed: true },
  subscriptionId: { check: optionalString("subscriptionId"), listed: true },
};

/** The field names, in table order. */
export const API_KEY_FIELD_NAMES = Object.keys(API_KEY_FIELDS) as ApiKeyField[];

/**
 * Checks a stored key's new inputs: one failure per bad field. Values not known yet
 * (preview) pass. Never throws, whatever it is given.
 */
export function checkApiKeyInputs(news: unknown): dynamic.CheckFailure[] {
  const inputs = news !== null && typeof news === "object" ? (news as Record<string, unknown>) : {};
  const failures: dynamic.CheckFailure[] = [];
  for (const property of API_KEY_FIELD_NAMES) {
    const value = inputs[property];
    if (isUnknown(value)) continue;
    const reason = API_KEY_FIELDS[property].check(value);
    if (reason !== undefined) failures.push({ property, reason });
  }
  const adopt = inputs.adoptExisting;
  if (!isUnknown(adopt) && adopt !== undefined && adopt !== null && typeof adopt !== "boolean") {
    failures.push({
      property: "adoptExisting",
      reason: "adoptExisting must be true or false; leave it out for false",
    });
  }
  // Set by the resource class when another resource of the program declares the same key.
  if (typeof inputs.conflict === "string") failures.push({ property: "conflict", reason: inputs.conflict });
  return failures;
}

/** Normalizes "not set" so that a missing value and an empty one compare equal. */
function comparable(value: unknown): unknown {
  return value === undefined || value === null || value === "" ? undefined : value;
}

/** The fields whose value differs between `olds` and `news` (an unknown new value differs). */
export function changedApiKeyFields(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): ApiKeyField[] {
  return API_KEY_FIELD_NAMES.filter(
    (field) => isUnknown(news[field]) || comparable(olds[field]) !== comparable(news[field]),
  );
}

/** A workspace change replaces the key; any other declared change updates it in place. */
export function diffApiKeyInputs(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): dynamic.DiffResult {
  const changed = changedApiKeyFields(olds, news);
  return {
    changes: changed.length > 0,
    replaces: changed.filter((field) => API_KEY_FIELDS[field].replaces),
    // Descriptions are unique per workspace only, so the new key can exist beside the old.
    deleteBeforeReplace: false,
  };
}

/** The declared inputs only, out of a bag that may hold outputs too; unset ones left out. */
export function declaredApiKeyInputs(props: Record<string, unknown>): ProviderApiKeyInputs {
  const inputs: Record<string, unknown> = {};
  for (const field of [...API_KEY_FIELD_NAMES, "adoptExisting"]) {
    if (props[field] !== undefined && props[field] !== null) inputs[field] = props[field];
  }
  return inputs as unknown as ProviderApiKeyInputs;
}
