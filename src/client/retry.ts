/**
 * The client's one retry policy: which failures are retried ({@link shouldRetry}), how long
 * to wait before the next attempt ({@link retryDelayMs}), and which failures of a non-safe
 * request leave its outcome unknown ({@link outcomeUnknown}). Pure functions, so the policy
 * is tested as a table rather than through timing.
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

/** What {@link shouldRetry} and `outcomeUnknown` decide on. */
export interface RetryDecisionInput {
  /** HTTP method, upper case. */
  method: string;
  /** API path without base URL prefix or query string, e.g. `/ai/llm/abc/validate`. */
  path: string;
  /** 1-based number of the attempt that just failed, counting only attempts that use the retry budget. */
  attempt: number;
  /** The configured retry budget (retries, not attempts). */
  maxRetries: number;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Low-level error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) when no usable response arrived. */
  errorCode?: string;
}

/**
 * True when resending the request cannot change anything on the server beyond what the first
 * send did: GET, HEAD, PUT, DELETE, validate (a check that stores nothing) and the token
 * refresh (a lost refresh has already spent its token, so a resend can only help).
 */
export function isSafeRequest(method: string, path: string): boolean {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD" || m === "PUT" || m === "DELETE" || m === "OPTIONS") return true;
  if (m === "POST") return /^\/ai\/llm\/[^/]+\/validate$/.test(path) || path === "/user/refresh";
  return false;
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
 * True when a failed non-safe request (a create) may or may not have been applied: it was
 * possibly sent and no answer says it was not processed. Always false for safe requests,
 * whose failures are simply retried or reported.
 */
export function outcomeUnknown(
  input: Pick<RetryDecisionInput, "method" | "path" | "status" | "errorCode">,
): boolean {
  if (isSafeRequest(input.method, input.path)) return false;
  if (input.errorCode !== undefined) return !isNotSentError(input.errorCode);
  if (input.status !== undefined) return input.status >= 500 && !NOT_PROCESSED_STATUSES.has(input.status);
  return false;
}

/**
 * The one retry predicate. Stops once `maxRetries` retries have been made; never retries
 * 4xx other than 429 (the 401 refresh-and-resend is handled apart from this budget); retries
 * 429 and 502/503/504/500 for safe requests; retries connection failures. A non-safe request
 * (a create) is only resent when the server or the socket proves it was not processed: 429,
 * 503, or a connection that was never established.
 */
export function shouldRetry(input: RetryDecisionInput): boolean {
  if (!(input.attempt <= input.maxRetries)) return false;
  const safe = isSafeRequest(input.method, input.path);
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
