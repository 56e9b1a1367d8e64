/**
 * The client's one retry policy. {@link decideAfterFailure} decides what follows a failed
 * attempt (refresh the token and resend, retry after a delay, report the outcome unknown,
 * or fail); it rests on {@link shouldRetry}, {@link outcomeUnknown} and
 * {@link retryDelayMs}. Whether resending can do harm is not guessed from the URL: each
 * call says whether it is idempotent. Pure functions, tested as a table, never by timing.
 * @packageDocumentation
 */

/**
 * Low-level codes meaning the connection was never established, so the request cannot have
 * reached the server: even a create may be resent after these.
 */
const NOT_SENT_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * Codes of a request that never left this machine but that another try cannot fix: the
 * dispatcher is closed or the request was malformed.
 */
const NOT_SENT_FINAL_ERROR_CODES: ReadonlySet<string> = new Set([
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
  "UND_ERR_INVALID_ARG",
  "UND_ERR_NOT_SUPPORTED",
]);

/**
 * Low-level codes of a connection that broke or went silent after the request may have been
 * written: safe requests are resent, a create's outcome is unknown.
 */
const MAYBE_SENT_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

/** Statuses with which the server says it did not process the request at all. */
const NOT_PROCESSED_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Statuses worth another try when resending cannot do harm. */
const RETRYABLE_SAFE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Low-level codes meaning a timeout (as opposed to a refused or broken connection). */
const TIMEOUT_ERROR_CODES: ReadonlySet<string> = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "ETIMEDOUT",
]);

/** What {@link shouldRetry} and {@link outcomeUnknown} decide on. */
export interface RetryDecisionInput {
  /**
   * True when sending the request again cannot change anything beyond what the first send
   * did: reads, PUT, DELETE, validate (a check that stores nothing), the token refresh. A
   * create is not.
   */
  idempotent: boolean;
  /** 1-based number of the attempt that just failed, counting only attempts that use the retry budget. */
  attempt: number;
  /** The configured retry budget (retries, not attempts). */
  maxRetries: number;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Low-level error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) when no usable response arrived. */
  errorCode?: string;
}

/** True when the low-level error proves the request never left this machine. */
export function isNotSentError(errorCode: string): boolean {
  return NOT_SENT_ERROR_CODES.has(errorCode) || NOT_SENT_FINAL_ERROR_CODES.has(errorCode);
}

/** True when the low-level error is a timeout rather than a refused or broken connection. */
export function isTimeoutErrorCode(errorCode: string): boolean {
  return TIMEOUT_ERROR_CODES.has(errorCode);
}

/**
 * True when a failed request that is not idempotent (a create) may or may not have been applied: it was
 * possibly sent and no answer says it was not processed. Always false for safe requests,
 * whose failures are simply retried or reported.
 */
export function outcomeUnknown(
  input: Pick<RetryDecisionInput, "idempotent" | "status" | "errorCode">,
): boolean {
  if (input.idempotent) return false;
  if (input.errorCode !== undefined) return !isNotSentError(input.errorCode);
  if (input.status !== undefined) return input.status >= 500 && !NOT_PROCESSED_STATUSES.has(input.status);
  return false;
}

/**
 * The retry predicate. Stops once `maxRetries` retries have been made; never retries 4xx
 * other than 429 (the 401 refresh-and-resend is decided apart from this budget); retries
 * 429 and 502/503/504/500 for idempotent requests; retries connection failures. A request
 * that is not idempotent (a create) is only resent when the server or the socket proves it
 * was not processed: 429, 503, or a connection that was never established.
 */
export function shouldRetry(input: RetryDecisionInput): boolean {
  if (!(input.attempt <= input.maxRetries)) return false;
  const safe = input.idempotent;
  if (input.errorCode !== undefined) {
    if (NOT_SENT_ERROR_CODES.has(input.errorCode)) return true;
    return safe && MAYBE_SENT_ERROR_CODES.has(input.errorCode);
  }
  if (input.status === undefined) return false;
  if (safe) return RETRYABLE_SAFE_STATUSES.has(input.status);
  return NOT_PROCESSED_STATUSES.has(input.status);
}

/**
 * Reads a `Retry-After` header: delta seconds or an HTTP date. Returns milliseconds (never
 * negative), or undefined when absent or unreadable.
 */
export function parseRetryAfterMs(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  // Digits first: Date.parse("1") is a valid date (the year 2001).
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Every HTTP-date form starts with a day name; anything else ("-1", "2") is not a date here.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** What {@link retryDelayMs} needs. */
export interface RetryDelayInput {
  /** 1-based number of the attempt that just failed. */
  attempt: number;
  /** The failed response's `Retry-After` header, if any. */
  retryAfter?: string | null;
  /** Delay after the first failure, and the floor of every jittered delay. */
  baseDelayMs: number;
  /** Cap of the exponential delay. */
  maxDelayMs: number;
  /** Cap of a server-requested `Retry-After`. */
  maxRetryAfterMs: number;
  /** Uniform random source in [0, 1); default Math.random. */
  random?: () => number;
  /** Clock for HTTP-date `Retry-After` values; default Date.now. */
  now?: () => number;
}

/**
 * The one backoff function. A readable `Retry-After` wins, capped at `maxRetryAfterMs` (the
 * server knows when it will take the request; jitter would only make us early or late).
 * Otherwise `base * 2^(attempt-1)` capped at `maxDelayMs`, jittered to 50-100 % of that so
 * that parallel CD jobs spread out, and floored at `base`.
 */
export function retryDelayMs(input: RetryDelayInput): number {
  const retryAfterMs = parseRetryAfterMs(input.retryAfter, (input.now ?? Date.now)());
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, input.maxRetryAfterMs);
  const attempt = Math.max(1, Math.floor(input.attempt));
  const exponential = Math.min(input.maxDelayMs, input.baseDelayMs * 2 ** (attempt - 1));
  const random = (input.random ?? Math.random)();
  const jittered = exponential * (0.5 + 0.5 * Math.min(Math.max(random, 0), 1));
  return Math.round(Math.max(input.baseDelayMs, jittered));
}

/** A failed attempt, as {@link decideAfterFailure} sees it. */
export interface FailedAttempt extends RetryDecisionInput {
  /** True when a 401 may be answered with a fresh token: the call is authenticated, a refresh token is configured, and this call has not resent after a 401 yet. */
  canRefreshToken: boolean;
  /** True when a 2xx arrived but its body was larger than the client accepts. */
  bodyTooLarge?: boolean;
  /** The response's `Retry-After` header, if any. */
  retryAfter?: string | null;
  /** Time left before the call's deadline, in ms. */
  msLeft: number;
  /** The backoff settings, random source and clock (see {@link RetryDelayInput}). */
  delay: Omit<RetryDelayInput, "attempt" | "retryAfter">;
}

/** What follows a failed attempt. */
export type AttemptDecision =
  /** A 401 with a refresh token at hand: get a new access token and send again, outside the retry budget. */
  | { action: "refresh-and-resend" }
  /** Send again after `delayMs`. */
  | { action: "retry"; delayMs: number }
  /** A create that may or may not have been applied: report it, never resend. */
  | { action: "outcome-unknown" }
  /** Give up; `reason` says why when it is not the failure itself. */
  | { action: "fail"; reason?: "body-too-large" | "past-deadline" };

/**
 * The one place a failed attempt is decided, in this order:
 * 1. a 401 that a fresh token may cure: refresh and resend (a 401 proves nothing was processed);
 * 2. a 2xx whose body was too large: fail (a create went through, but its id is lost);
 * 3. a create that may have been applied: outcome unknown;
 * 4. a failure the policy does not retry, or the budget spent: fail;
 * 5. a retry whose delay would end past the deadline: fail;
 * 6. otherwise: retry after the backoff delay.
 */
export function decideAfterFailure(failed: FailedAttempt): AttemptDecision {
  if (failed.status === 401 && failed.canRefreshToken) return { action: "refresh-and-resend" };
  if (failed.bodyTooLarge) return { action: "fail", reason: "body-too-large" };
  if (outcomeUnknown(failed)) return { action: "outcome-unknown" };
  if (!shouldRetry(failed)) return { action: "fail" };
  const delayMs = retryDelayMs({ ...failed.delay, attempt: failed.attempt, retryAfter: failed.retryAfter });
  if (delayMs >= failed.msLeft) return { action: "fail", reason: "past-deadline" };
  return { action: "retry", delayMs };
}
