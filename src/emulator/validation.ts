import { z } from "zod";
import { badRequest, EmulatorHttpError } from "./errors";

/** A zod issue, as `safeParse` reports it. */
type Issue = z.core.$ZodIssue;

/**
 * Parses `input` with `schema`, or throws a 400 whose message names each wrong field and
 * says what is wrong with it. Messages are built from the issue kind only, never from the
 * value, so a rejected secret is not echoed back.
 */
export function parseOrBadRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidFields(result.error.issues, input);
}

/** A 400 describing every issue, one clause per field, separated by "; ". */
export function invalidFields(issues: readonly Issue[], input: unknown): EmulatorHttpError {
  return badRequest(issues.map((issue) => describeIssue(issue, input)).join("; "));
}

/** One human-readable clause for a zod issue, such as "endpoint must be an absolute http:// or https:// URL". */
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

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string that `Date.parse` understands, as stored timestamps and seeded `createdAt` values must be. */
export const isoDateString = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: "must be an ISO 8601 date" });
