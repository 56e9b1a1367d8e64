import type { z } from "zod";

/** A zod issue, as `safeParse` reports it. */
export type Issue = z.core.$ZodIssue;

/**
 * One human-readable clause for a zod issue, such as "endpoint must be an absolute http://
 * or https:// URL": the emulator's 400 answers and the provider's checks are worded by it.
 * Built from the issue's kind, never from the value, so a misplaced secret is not quoted.
 */
export function describeIssue(issue: Issue, input: unknown): string {
  const field = issue.path.map(String).join(".") || "body";
  // A refinement that says more about a missing field than that it is required.
  if (issue.code === "custom" && issue.message.startsWith("is required (or "))
    return `${field} ${issue.message}`;
  // Whatever the check that failed (type, enum, refinement), a missing field is reported as missing.
  if (
    issue.path.length > 0 &&
    issue.code !== "unrecognized_keys" &&
    valueAt(input, issue.path) === undefined
  ) {
    return `${field} is required`;
  }
  switch (issue.code) {
    case "invalid_type":
      return `${field} must be ${withArticle(issue.expected)}`;
    case "invalid_value":
      return `${field} must be one of ${issue.values.map(String).join(", ")}`;
    case "too_small":
      if (issue.origin === "string") return `${field} must not be empty`;
      if (issue.origin === "array") return `${field} must have at least ${issue.minimum} item(s)`;
      return `${field} must be ${issue.inclusive === false ? "greater than" : "at least"} ${issue.minimum}`;
    case "too_big":
      return `${field} must be ${issue.inclusive === false ? "less than" : "at most"} ${issue.maximum}`;
    case "unrecognized_keys":
      return `${field === "body" ? "" : `${field}: `}unknown field(s) ${issue.keys.join(", ")}`;
    case "custom":
      // Refinements in src/schemas phrase their messages as a predicate ("must not be empty").
      return `${field} ${issue.message}`;
    case "invalid_union":
      return `${field} has an invalid value`;
    default:
      return `${field} is invalid`;
  }
}

function withArticle(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
