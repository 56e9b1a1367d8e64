/**
 * Every message the client words: a failed call, a create whose outcome is unknown, an
 * answer of the wrong shape, a rejected refresh token. Each names the call (`method
 * path`), what happened, and the option or action that fixes it; none quotes a credential
 * (API messages arrive here already redacted).
 * @packageDocumentation
 */
import { codeForStatus, createFlashbackError, type FlashbackError, type FlashbackErrorCode } from "./errors";
import { parseRetryAfterMs, isTimeoutErrorCode } from "./retry";
import { DEADLINE_ERROR_CODE } from "./transport";

/** Path of the token exchange. */
export const REFRESH_PATH = "/user/refresh";

/** The call a message is about. */
export interface CallContext {
  method: string;
  /** API path without the query string. */
  path: string;
  /** False only for the token exchange itself. */
  authenticated: boolean;
  /** True when sending the call again cannot change anything (everything but a create). */
  idempotent: boolean;
}

/** The client settings messages quote. */
export interface MessageSettings {
  origin: string;
  requestTimeoutMs: number;
  deadlineMs: number;
  maxRetryAfterMs: number;
  /** Whether a refresh token is configured (changes what a 401 means). */
  canRefresh: boolean;
}

/** A failed attempt, reduced to what the policy and the messages need. */
export interface Failure {
  /** Non-2xx status, when one arrived. */
  status?: number;
  /** Low-level code, when no status did. */
  errorCode?: string;
  retryAfter?: string;
  /** The API's own message, redacted. */
  apiMessage?: string;
  cause?: unknown;
}

/** What to do before creating again, for the created thing at `path`. */
function lookUpFirst(path: string, capital: boolean): string {
  const text = path.startsWith("/apikeys")
    ? "look the stored key up by its description in its workspace (GET /apikeys?workspaceId=...) before creating it again"
    : "look the configuration up by name in its workspace (GET /ai/llm?workspaceId=...) before creating it again";
  return capital ? `${text[0].toUpperCase()}${text.slice(1)}` : text;
}

/** The error code of a failure: by status, else TIMEOUT or NETWORK by the low-level code. */
export function codeOf(failure: Failure): FlashbackErrorCode {
  if (failure.status !== undefined) return codeForStatus(failure.status);
  const errorCode = failure.errorCode ?? "UNKNOWN";
  return errorCode === DEADLINE_ERROR_CODE || isTimeoutErrorCode(errorCode) ? "TIMEOUT" : "NETWORK";
}

function unauthorizedHint(settings: MessageSettings): string {
  if (settings.canRefresh) {
    return (
      ". A freshly refreshed access token was rejected as well: check that the refreshToken " +
      "belongs to a user with access to this API"
    );
  }
  return (
    ". The access token is missing, expired or unknown: pass a valid accessToken " +
    "(or a refreshToken, so that it can be renewed)"
  );
}

/** The error for a failed attempt that is not retried (any more); `note` says why, when not the failure itself. */
export function failureError(
  call: CallContext,
  settings: MessageSettings,
  failure: Failure,
  attempts: number,
  note?: string,
): FlashbackError {
  const { method, path } = call;
  const code = codeOf(failure);
  let message: string;
  if (failure.status !== undefined) {
    message = `Flashback API ${method} ${path} failed with ${failure.status}`;
    if (failure.apiMessage !== undefined) message += `: ${failure.apiMessage}`;
    if (failure.status === 401 && call.authenticated) message += unauthorizedHint(settings);
    if (failure.status >= 300 && failure.status < 400) {
      message += " (redirects are not followed; check the base URL)";
    }
  } else if (failure.errorCode === DEADLINE_ERROR_CODE) {
    message = `Flashback API ${method} ${path} timed out: the call's deadline of ${settings.deadlineMs} ms (deadlineMs) ran out`;
  } else if (code === "TIMEOUT") {
    message =
      `Flashback API ${method} ${path} timed out: no complete answer within ${settings.requestTimeoutMs} ms ` +
      `(requestTimeoutMs; ${failure.errorCode})`;
  } else {
    // The origin holds no credential (user info is refused at construction).
    message = `Flashback API ${method} ${path} failed: connection error (${failure.errorCode}) reaching ${settings.origin}`;
  }
  if (attempts > 1) message += ` (after ${attempts} attempts)`;
  if (note !== undefined) message += `; ${note}`;
  const retryAfterMs = parseRetryAfterMs(failure.retryAfter);
  return createFlashbackError(code, {
    message,
    method,
    path,
    status: failure.status,
    apiMessage: failure.apiMessage,
    retryAfterMs: retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, settings.maxRetryAfterMs),
    cause: failure.status === undefined ? failure.cause : undefined,
  });
}

/** The note of a failure not retried because the next attempt would start past the deadline. */
export function pastDeadlineNote(settings: MessageSettings): string {
  return `not retried: the next attempt would start past the call's deadline of ${settings.deadlineMs} ms`;
}

/** The error of a call whose deadline ran out between attempts. */
export function deadlineError(
  call: CallContext,
  settings: MessageSettings,
  attempts: number,
): FlashbackError {
  return failureError(call, settings, { errorCode: DEADLINE_ERROR_CODE }, attempts);
}

/** A create that may or may not have been applied. */
export function outcomeUnknownError(
  call: CallContext,
  settings: MessageSettings,
  failure: Failure,
): FlashbackError {
  const { method, path } = call;
  let reason: string;
  if (failure.status !== undefined) reason = `the server answered ${failure.status}`;
  else if (failure.errorCode === DEADLINE_ERROR_CODE) {
    reason = `the call's deadline of ${settings.deadlineMs} ms ran out while waiting for the answer`;
  } else if (isTimeoutErrorCode(failure.errorCode ?? "")) {
    reason = `no answer within ${settings.requestTimeoutMs} ms after the request was sent (${failure.errorCode})`;
  } else reason = `the connection broke after the request was sent (${failure.errorCode})`;
  if (failure.apiMessage !== undefined) reason += `: ${failure.apiMessage}`;
  return createFlashbackError("OUTCOME_UNKNOWN", {
    message:
      `Flashback API ${method} ${path} outcome unknown: ${reason}. The create may or may not have been ` +
      `applied, and it was not resent because that could create a duplicate. ${lookUpFirst(path, true)}.`,
    method,
    path,
    status: failure.status,
    apiMessage: failure.apiMessage,
    cause: failure.status === undefined ? failure.cause : undefined,
  });
}

/** A 2xx whose body is not the documented answer; `what` says what arrived instead. */
export function badResponse(call: CallContext, status: number, what: string, attempts = 1): FlashbackError {
  const { method, path } = call;
  let message = `Flashback API ${method} ${path} answered ${status} with ${what}`;
  if (!call.idempotent) message += `. The create was probably applied: ${lookUpFirst(path, false)}`;
  if (attempts > 1) message += ` (after ${attempts} attempts)`;
  return createFlashbackError("BAD_RESPONSE", { message, method, path, status });
}

/** The token exchange refused the refresh token. */
export function refreshRejected(status: number, apiMessage: string | undefined): FlashbackError {
  let message = `Flashback API POST ${REFRESH_PATH} failed with ${status}`;
  if (apiMessage !== undefined) message += `: ${apiMessage}`;
  message += ". The refresh token was rejected (revoked, expired or unknown): pass a valid refreshToken";
  return createFlashbackError("UNAUTHORIZED", {
    message,
    method: "POST",
    path: REFRESH_PATH,
    status,
    apiMessage,
  });
}
