import { z } from "zod";

/** The five provider types the Flashback API accepts, exactly as spelled on the wire. */
export const AI_TYPES = ["OPENAI", "GOOGLE", "ANTHROPIC", "AWS", "OTHER"] as const;

/** A provider type: one of {@link AI_TYPES}. Strict, because the docs and the client agree. */
export const aiTypeSchema = z.enum(AI_TYPES);

/** A provider type accepted by the API. */
export type AiType = z.infer<typeof aiTypeSchema>;

/**
 * True when `value` parses as an absolute URL whose scheme is http or https.
 * The API says only that "endpoint URL format is validated"; we read that as the
 * narrowest rule a provider base URL can satisfy.
 */
export function isHttpUrl(value: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return false;
  }
  return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.hostname !== "";
}

/** An absolute http(s) URL, as the create and update endpoints require for `endpoint`. */
export const httpUrlSchema = z
  .string()
  .refine(isHttpUrl, { message: "must be an absolute http:// or https:// URL" });

/** A string with at least one non-blank character. */
export const nonBlankString = z.string().refine((s) => s.trim().length > 0, { message: "must not be empty" });

/**
 * The error envelope every AI LLM endpoint uses: `{success:false, message}`.
 * Both fields are optional in the published schemas, so both are optional here.
 */
export const errorEnvelopeSchema = z.looseObject({
  success: z.boolean().optional(),
  message: z.string().optional(),
});

/** The error body the API sends with a non-2xx status. */
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/**
 * A usage counter: the official client types them as strings (64-bit counts),
 * the docs do not say. Accept a decimal string or a non-negative integer; give a number.
 */
export const counterSchema = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, "must be a decimal count")])
  .transform((v) => (typeof v === "number" ? v : Number(v)));
