import type { dynamic } from "@pulumi/pulumi";
import { describeIssue } from "../schemas/issues";
import { AI_LLM_CONFIG_FIELDS, DECLARED_FIELDS, parseFields, type DeclaredField } from "./fields";
import { isUnknown } from "./inputs";

/** Set, for the exclusive credential fields: an unknown value (preview) counts as set. */
const isSet = (value: unknown): boolean => value !== undefined && value !== null && value !== "";

/** Why a configuration with both kinds of credentials is refused, said of one of the two fields. */
const bothCredentials = (field: "secret" | "apiKeyId"): string =>
  `${field} cannot be set with ${field === "secret" ? "apiKeyId" : "secret"}: keep apiKeyId to use the ` +
  "stored key, or secret (and key) for inline credentials";

/**
 * The rules between fields, which no single field's schema can say: exactly one of
 * `secret` and `apiKeyId`, and `key` only with `secret`. Each failure is said of a field
 * whose value is known, so that a preview (where the key's id is not known yet) shows it.
 */
function credentialFailures(inputs: Record<string, unknown>): dynamic.CheckFailure[] {
  const { secret, key, apiKeyId } = inputs;
  if (!isSet(apiKeyId)) return [];
  const failures: dynamic.CheckFailure[] = [];
  if (isSet(secret) && !isUnknown(secret))
    failures.push({ property: "secret", reason: bothCredentials("secret") });
  else if (isUnknown(secret) && !isUnknown(apiKeyId)) {
    failures.push({ property: "apiKeyId", reason: bothCredentials("apiKeyId") });
  }
  if (isSet(key) && !isUnknown(key)) {
    failures.push({
      property: "key",
      reason: "key cannot be set with apiKeyId: a stored key carries its own access key; remove key",
    });
  }
  return failures;
}

/**
 * Checks a resource's new inputs against the field table: one failure per bad field, each
 * naming the field, what is wrong (worded from the zod issue, never quoting the value) and
 * how to fix it. Values the engine does not know yet (preview) pass, so that a preview of
 * a program whose inputs come from other resources still succeeds. Never throws.
 */
export function checkInputs(news: unknown): dynamic.CheckFailure[] {
  const given: Record<string, unknown> =
    news !== null && typeof news === "object" && !Array.isArray(news)
      ? (news as Record<string, unknown>)
      : {};
  // Null reads as unset, as it does in the engine's property values.
  const inputs: Record<string, unknown> = {};
  for (const field of DECLARED_FIELDS) {
    if (given[field] !== null && given[field] !== undefined) inputs[field] = given[field];
  }
  // With a stored key, a missing secret is the expected case, not a failure.
  const secretOptional = isSet(inputs.apiKeyId);
  const reasons = new Map<DeclaredField, string>();
  const parsed = parseFields(inputs);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const field = issue.path[0] as DeclaredField;
    if (reasons.has(field) || isUnknown(inputs[field])) continue;
    reasons.set(field, `${describeIssue(issue, inputs)}; ${AI_LLM_CONFIG_FIELDS[field].hint}`);
  }
  if (!secretOptional && !isSet(inputs.secret)) {
    reasons.set("secret", `secret is required unless apiKeyId is set; ${AI_LLM_CONFIG_FIELDS.secret.hint}`);
  }
  const failures = DECLARED_FIELDS.filter((field) => reasons.has(field)).map((property) => ({
    property,
    reason: reasons.get(property) as string,
  }));
  const crossField = credentialFailures(inputs).filter((f) => !reasons.has(f.property as DeclaredField));
  // Set by the resource class when another resource of the program declares the same configuration.
  const conflict =
    typeof given.conflict === "string" ? [{ property: "conflict", reason: given.conflict }] : [];
  return [...failures, ...crossField, ...conflict];
}
