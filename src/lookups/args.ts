/**
 * Checks of lookup arguments, done before any request.
 * @packageDocumentation
 */
import { LookupError } from "./errors";

/** `value` when it is a non-blank string; a {@link LookupError} naming the lookup and the field otherwise. */
export function requireText(fn: string, field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new LookupError(`${fn}: ${field} must be a non-empty string`);
  }
  return value;
}

/** Like {@link requireText}, but `undefined` passes (an optional filter). */
export function optionalText(fn: string, field: string, value: unknown): string | undefined {
  return value === undefined ? undefined : requireText(fn, field, value);
}
