/**
 * The inputs of an `AiLlmConfig`, written once. Each row says how the field is checked
 * at preview (a zod schema, and the hint added to its failure), whether it is a secret,
 * whether a change replaces the configuration or updates it in place, and whether
 * Flashback lists it back (so that a refresh sees it drift). The input type, the
 * checks, the diff, the outputs and the request bodies are derived from this table.
 * (The resource class, which a program loads without zod, keeps its own documented
 * argument list; a test holds it to this table.)
 * @packageDocumentation
 */
import { z } from "zod";
import { aiTypeSchema, httpUrlSchema, nonBlankString } from "../schemas";

/** How the provider checks credentials after a create or an update. */
export type ValidationMode = "off" | "warn" | "require";

/** The validation modes, in the order the docs list them. */
export const VALIDATION_MODES = ["off", "warn", "require"] as const satisfies readonly ValidationMode[];

/** One row of {@link AI_LLM_CONFIG_FIELDS}. */
interface FieldSpec {
  /** The check at preview. Optional fields accept null and undefined alike. */
  schema: z.ZodType;
  /** Said after the check's sentence when it fails: how to fix it. */
  hint: string;
  /** Stored as a Pulumi secret, never in plain text. */
  secret?: true;
  /** `PUT /ai/llm/{id}` can change it in place. */
  updatable?: true;
  /** `PUT` cannot change it: a change makes a new configuration. */
  replaces?: true;
  /** `GET /ai/llm` reports it, so a change made outside Pulumi shows at refresh. */
  listed?: true;
}

/** Every declared input of an `AiLlmConfig`. */
export const AI_LLM_CONFIG_FIELDS = {
  name: {
    schema: nonBlankString,
    hint: "set it to a non-empty display name, unique within the workspace",
    updatable: true,
    listed: true,
  },
  aiType: {
    schema: aiTypeSchema,
    hint: "written in upper case; use OTHER for an OpenAI-compatible or custom endpoint",
    updatable: true,
    listed: true,
  },
  endpoint: {
    schema: httpUrlSchema,
    hint: "for example https://api.openai.com/v1",
    updatable: true,
    listed: true,
  },
  secret: {
    schema: nonBlankString.optional(),
    hint:
      "set it to the provider's API secret, for example from config.requireSecret(...), or set apiKeyId " +
      "to a ProviderApiKey's id to use a stored key",
    secret: true,
    updatable: true,
  },
  key: {
    schema: z.string().optional(),
    hint: "leave it out when the provider needs no access key",
    secret: true,
    updatable: true,
  },
  apiKeyId: {
    schema: nonBlankString.optional(),
    hint: "set it to the id of a stored provider key (a ProviderApiKey's id), or leave it out to use secret",
    updatable: true,
    listed: true,
  },
  workspaceId: {
    schema: nonBlankString,
    hint: "set it to the id of the Flashback workspace that owns the configuration",
    replaces: true,
    listed: true,
  },
  validate: {
    schema: z.enum(VALIDATION_MODES).optional(),
    hint: 'leave it out for "off"',
  },
  adoptExisting: {
    schema: z.boolean().optional(),
    hint: "use true or false, or leave it out for false",
  },
} as const satisfies Record<string, FieldSpec>;

/** A declared input. */
export type DeclaredField = keyof typeof AI_LLM_CONFIG_FIELDS;

type FieldsWith<Trait extends keyof FieldSpec> = {
  [F in DeclaredField]: (typeof AI_LLM_CONFIG_FIELDS)[F] extends Record<Trait, true> ? F : never;
}[DeclaredField];

function fieldsWith<Trait extends "secret" | "updatable" | "replaces" | "listed">(
  trait: Trait,
): FieldsWith<Trait>[] {
  return (Object.keys(AI_LLM_CONFIG_FIELDS) as DeclaredField[]).filter(
    (field) => (AI_LLM_CONFIG_FIELDS[field] as FieldSpec)[trait] === true,
  ) as FieldsWith<Trait>[];
}

/** The declared inputs, in table order. */
export const DECLARED_FIELDS = Object.keys(AI_LLM_CONFIG_FIELDS) as DeclaredField[];
/** The inputs stored as Pulumi secrets. */
export const SECRET_FIELDS = fieldsWith("secret");
/** The fields `PUT /ai/llm/{id}` can change in place. */
export const UPDATABLE_FIELDS = fieldsWith("updatable");
/** The fields whose change needs a new configuration (the API cannot move one between workspaces). */
export const REPLACE_FIELDS = fieldsWith("replaces");
/** The fields Flashback lists back, which a refresh compares. */
export const LISTED_FIELDS = fieldsWith("listed");

/** One field that `PUT /ai/llm/{id}` can change. */
export type UpdatableField = (typeof UPDATABLE_FIELDS)[number];

/** The whole record, one schema per field. */
const inputsSchema = z.object(
  Object.fromEntries(DECLARED_FIELDS.map((field) => [field, AI_LLM_CONFIG_FIELDS[field].schema])) as {
    [F in DeclaredField]: (typeof AI_LLM_CONFIG_FIELDS)[F]["schema"];
  },
);

/** The declared inputs, as the table types them. */
export type DeclaredInputs = z.infer<typeof inputsSchema>;

/** The check of every field of a record; see `check.ts` for how its issues are worded. */
export function parseFields(inputs: Record<string, unknown>) {
  return inputsSchema.safeParse(inputs);
}
