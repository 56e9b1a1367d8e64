import { isFlashbackError } from "../client";

/** Re-raises an API error with the resource named in front of the client's message. */
export function withContext(what: string, error: unknown): Error {
  if (error instanceof Error) {
    const wrapped = new Error(`${what}: ${error.message}`);
    (wrapped as Error & { cause?: unknown }).cause = error;
    return wrapped;
  }
  return new Error(`${what}: ${String(error)}`);
}

/** True when `error` is a client error of this code (`NOT_FOUND`, `OUTCOME_UNKNOWN`, ...). */
export function hasCode(error: unknown, code: string): boolean {
  return isFlashbackError(error) && error.code === code;
}
