import type { dynamic } from "@pulumi/pulumi";
import { isUnknown, REPLACE_FIELDS, UPDATABLE_FIELDS, type UpdatableField } from "./inputs";

/** Normalizes "not set" so that a missing key and an empty one compare equal. */
function comparable(value: unknown): unknown {
  return value === undefined || value === null || value === "" ? undefined : value;
}

function differs(olds: Record<string, unknown>, news: Record<string, unknown>, field: string): boolean {
  return isUnknown(news[field]) || comparable(olds[field]) !== comparable(news[field]);
}

/** The fields `PUT /ai/llm/{id}` must send to move `olds` to `news`. */
export function changedUpdatableFields(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): UpdatableField[] {
  return UPDATABLE_FIELDS.filter((field) => differs(olds, news, field));
}

/**
 * Decides what a change of inputs means: a workspace change replaces the
 * configuration (the API cannot move one), a change of name, type, endpoint or
 * credentials updates it in place, and nothing else (not `validate`, not
 * `adoptExisting`, not the serialized provider) is a change.
 */
export function diffInputs(olds: Record<string, unknown>, news: Record<string, unknown>): dynamic.DiffResult {
  const replaces = REPLACE_FIELDS.filter((field) => differs(olds, news, field));
  const updates = changedUpdatableFields(olds, news);
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces,
    // Names are unique per workspace only, so the new one can exist beside the old.
    deleteBeforeReplace: false,
  };
}
