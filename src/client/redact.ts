/**
 * Scrubbing of credentials from text that came from the server. A server may echo a token or
 * the secret it was sent in an error message; such text ends up in CD logs, so every known
 * credential is replaced before the text is stored anywhere.
 * @packageDocumentation
 */

/** What a credential is replaced with. */
export const REDACTED = "[redacted]";

/** Longest stored API message; longer ones (an HTML error page, say) are cut. */
const MAX_MESSAGE_LENGTH = 1000;

/**
 * Replaces every occurrence of every non-empty value in `secrets` with {@link REDACTED}.
 * Longest first, so a secret that contains another is removed whole.
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  const values = [...new Set([...secrets].filter((s): s is string => typeof s === "string" && s !== ""))];
  values.sort((a, b) => b.length - a.length);
  let result = text;
  for (const value of values) result = result.split(value).join(REDACTED);
  return result;
}

/**
 * Prepares an API message for an error: redacted first (so a cut cannot leave half a
 * secret behind), then shortened.
 */
export function sanitizeApiMessage(message: string, secrets: Iterable<string | undefined>): string {
  const clean = redact(message, secrets);
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH)}…` : clean;
}
