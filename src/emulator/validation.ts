import { z } from "zod";
import { describeIssue, type Issue } from "../schemas/issues";
import { badRequest, EmulatorHttpError } from "./errors";

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

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string that `Date.parse` understands, as stored timestamps and seeded `createdAt` values must be. */
export const isoDateString = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: "must be an ISO 8601 date" });
