/**
 * Typed errors of the Flashback client: one base class, one subclass per kind, each with a
 * stable `code`. Nothing here ever holds a request body, a header or a credential; messages
 * are built by the client from the method, the path, the status and a redacted API message.
 * @packageDocumentation
 */

/** Stable, machine-readable kind of a {@link FlashbackError}. */
export type FlashbackErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "RATE_LIMITED"
  | "SERVER_ERROR"
  | "NETWORK"
  | "TIMEOUT"
  | "OUTCOME_UNKNOWN"
  | "BAD_RESPONSE";

/** Fields every {@link FlashbackError} is built from; the subclass supplies the code. */
export interface FlashbackErrorInit {
  /** Full, already redacted message. */
  message: string;
  /** HTTP method of the call that failed. */
  method: string;
  /** API path of the call that failed, without the query string. */
  path: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** The API's own `message`, redacted. */
  apiMessage?: string;
  /** Delay the server asked for with `Retry-After`, already capped. */
  retryAfterMs?: number;
  /** The low-level error (socket, timeout) behind a NETWORK, TIMEOUT or OUTCOME_UNKNOWN error. */
  cause?: unknown;
}

// Symbol.for, not Symbol(): two copies of this package in one process (a program and the
// dynamic-provider host can each load one) must recognise each other's errors.
const kFlashbackError = Symbol.for("pulumi-flashback.FlashbackError");

/** The error codes, for validation of foreign objects that carry the brand. */
const ERROR_CODES: ReadonlySet<string> = new Set<FlashbackErrorCode>([
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "RATE_LIMITED",
  "SERVER_ERROR",
  "NETWORK",
  "TIMEOUT",
  "OUTCOME_UNKNOWN",
  "BAD_RESPONSE",
]);

/**
 * True for any error thrown by a Flashback client, including one from another copy of this
 * package (where `instanceof` against this copy's class would otherwise be false).
 */
export function isFlashbackError(e: unknown): e is FlashbackError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as Record<symbol, unknown>)[kFlashbackError] === true &&
    ERROR_CODES.has((e as { code?: unknown }).code as string)
  );
}

/**
 * Base class of every error a {@link FlashbackClient} throws. Branch on `code` (or on the
 * subclass); `status` is set when the API answered, `apiMessage` when it said why.
 */
export class FlashbackError extends Error {
  /** Stable kind of failure. */
  readonly code: FlashbackErrorCode;
  /** HTTP status, when a response arrived. */
  declare readonly status?: number;
  /** The API's `message` (credentials replaced by `[redacted]`). */
  declare readonly apiMessage?: string;
  /** HTTP method of the failed call. */
  readonly method: string;
  /** API path of the failed call (no query string). */
  readonly path: string;
  /** How long the server asked to wait (`Retry-After`), capped by `maxRetryAfterMs`. */
  declare readonly retryAfterMs?: number;

  /** @param code - kind of failure; subclasses pass their literal. */
  constructor(code: FlashbackErrorCode, init: FlashbackErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "FlashbackError";
    this.code = code;
    this.method = init.method;
    this.path = init.path;
    // Only defined keys become properties (hence `declare` above), so JSON.stringify and
    // util.inspect show what is known and nothing else.
    if (init.status !== undefined) this.status = init.status;
    if (init.apiMessage !== undefined) this.apiMessage = init.apiMessage;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  /** Brand read by {@link isFlashbackError}; on the prototype, so it is not serialized. */
  get [kFlashbackError](): true {
    return true;
  }

  /**
   * `instanceof` by brand and code rather than by prototype, so it works across duplicate
   * copies of the package: `x instanceof FlashbackError` for any Flashback error,
   * `x instanceof FlashbackNotFoundError` only for code NOT_FOUND.
   */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    const code = (this as { readonly CODE?: FlashbackErrorCode }).CODE;
    if (this === FlashbackError) return isFlashbackError(instance);
    if (code !== undefined && Object.prototype.hasOwnProperty.call(this, "CODE")) {
      return isFlashbackError(instance) && instance.code === code;
    }
    // A caller's own subclass: ordinary prototype semantics.
    return Function.prototype[Symbol.hasInstance].call(this, instance);
  }
}

/** 400 (and any other non-retryable 4xx without a more specific class): the request was refused as invalid. */
export class FlashbackBadRequestError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "BAD_REQUEST";
  declare readonly code: "BAD_REQUEST";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("BAD_REQUEST", init);
    this.name = "FlashbackBadRequestError";
  }
}

/** 401, or a refresh token that was rejected: the credentials are missing, expired or unknown. */
export class FlashbackUnauthorizedError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "UNAUTHORIZED";
  declare readonly code: "UNAUTHORIZED";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("UNAUTHORIZED", init);
    this.name = "FlashbackUnauthorizedError";
  }
}

/** 403: no access to the workspace, or (on delete) the configuration is still used by repositories. */
export class FlashbackForbiddenError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "FORBIDDEN";
  declare readonly code: "FORBIDDEN";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("FORBIDDEN", init);
    this.name = "FlashbackForbiddenError";
  }
}

/** 404: no configuration with that id (or it is not visible to the caller). */
export class FlashbackNotFoundError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "NOT_FOUND";
  declare readonly code: "NOT_FOUND";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("NOT_FOUND", init);
    this.name = "FlashbackNotFoundError";
  }
}

/** 429 after the retry budget or the deadline ran out; `retryAfterMs` says what the server asked. */
export class FlashbackRateLimitedError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "RATE_LIMITED";
  declare readonly code: "RATE_LIMITED";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("RATE_LIMITED", init);
    this.name = "FlashbackRateLimitedError";
  }
}

/** 5xx that is known not to have half-applied a create (or any 5xx on a safe request). */
export class FlashbackServerError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "SERVER_ERROR";
  declare readonly code: "SERVER_ERROR";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("SERVER_ERROR", init);
    this.name = "FlashbackServerError";
  }
}

/** The connection failed (refused, reset, closed) and retries did not help. */
export class FlashbackNetworkError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "NETWORK";
  declare readonly code: "NETWORK";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("NETWORK", init);
    this.name = "FlashbackNetworkError";
  }
}

/** No complete answer within `requestTimeoutMs` on any attempt, or the call's `deadlineMs` ran out. */
export class FlashbackTimeoutError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "TIMEOUT";
  declare readonly code: "TIMEOUT";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("TIMEOUT", init);
    this.name = "FlashbackTimeoutError";
  }
}

/**
 * A create was sent but its answer was lost (timeout, reset, 500/502/504): it may or may not
 * have been applied. Resending could duplicate it, so the client does not; look the
 * configuration up by name in its workspace instead.
 */
export class FlashbackOutcomeUnknownError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "OUTCOME_UNKNOWN";
  declare readonly code: "OUTCOME_UNKNOWN";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("OUTCOME_UNKNOWN", init);
    this.name = "FlashbackOutcomeUnknownError";
  }
}

/** A 2xx whose body is not JSON, not the documented shape, or says `success:false` where that makes no sense. */
export class FlashbackBadResponseError extends FlashbackError {
  /** The code this class stands for. */
  static readonly CODE = "BAD_RESPONSE";
  declare readonly code: "BAD_RESPONSE";
  /** @param init - see {@link FlashbackErrorInit} */
  constructor(init: FlashbackErrorInit) {
    super("BAD_RESPONSE", init);
    this.name = "FlashbackBadResponseError";
  }
}

/** Picks the subclass for a code, so the client builds every error in one place. */
export function createFlashbackError(code: FlashbackErrorCode, init: FlashbackErrorInit): FlashbackError {
  switch (code) {
    case "BAD_REQUEST":
      return new FlashbackBadRequestError(init);
    case "UNAUTHORIZED":
      return new FlashbackUnauthorizedError(init);
    case "FORBIDDEN":
      return new FlashbackForbiddenError(init);
    case "NOT_FOUND":
      return new FlashbackNotFoundError(init);
    case "RATE_LIMITED":
      return new FlashbackRateLimitedError(init);
    case "SERVER_ERROR":
      return new FlashbackServerError(init);
    case "NETWORK":
      return new FlashbackNetworkError(init);
    case "TIMEOUT":
      return new FlashbackTimeoutError(init);
    case "OUTCOME_UNKNOWN":
      return new FlashbackOutcomeUnknownError(init);
    case "BAD_RESPONSE":
      return new FlashbackBadResponseError(init);
  }
}

/** Maps an HTTP error status to an error code (never called for 2xx). */
export function codeForStatus(status: number): FlashbackErrorCode {
  if (status === 400) return "BAD_REQUEST";
  if (status === 401) return "UNAUTHORIZED";
  if (status === 403) return "FORBIDDEN";
  if (status === 404) return "NOT_FOUND";
  if (status === 429) return "RATE_LIMITED";
  if (status >= 500 && status <= 599) return "SERVER_ERROR";
  if (status >= 400 && status <= 499) return "BAD_REQUEST";
  // 1xx/3xx (redirects are not followed: they could carry the bearer token elsewhere).
  return "BAD_RESPONSE";
}
