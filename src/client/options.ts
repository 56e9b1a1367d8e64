/**
 * The client's options, their defaults, and the checks done once at construction: a base URL
 * that is an absolute http(s) URL, no bearer token over plain http to a remote host, at least
 * one credential, sane numbers.
 * @packageDocumentation
 */
import { setTimeout as sleepFor } from "node:timers/promises";
import type { Dispatcher } from "undici";
import type { FlashbackErrorCode } from "./errors";

/** One HTTP attempt, as reported to {@link FlashbackClientOptions.onAttempt}. Never bodies or tokens. */
export interface AttemptEvent {
  /** HTTP method. */
  method: string;
  /** API path without the query string, e.g. `/ai/llm/abc`. */
  path: string;
  /** 1-based attempt number within the call (a resend after a 401 counts too). */
  attempt: number;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** How this attempt failed, when it did. */
  code?: FlashbackErrorCode;
  /** Time from sending to the full body (or the failure). */
  durationMs: number;
}

/** Options of {@link FlashbackClient}. */
export interface FlashbackClientOptions {
  /** API root, e.g. `http://127.0.0.1:8787` or `https://backend.flashback.tech`; a path prefix is kept. */
  baseUrl: string;
  /** A bearer access token. */
  accessToken?: string;
  /**
   * A refresh token, exchanged at
   * `POST /user/refresh` when there is no access token, before expiry, and once on a 401.
   */
  refreshToken?: string;
  /** Per attempt: undici `headersTimeout` and `bodyTimeout`. Default 30 000. */
  requestTimeoutMs?: number;
  /** Overall per call, across retries and sleeps. Default 120 000. */
  deadlineMs?: number;
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** First backoff delay and the floor of every jittered delay. Default 250. */
  retryBaseDelayMs?: number;
  /** Cap of the exponential backoff. Default 5 000. */
  retryMaxDelayMs?: number;
  /** Cap of a server's `Retry-After`. Default 30 000. */
  maxRetryAfterMs?: number;
  /** Allow a bearer token over plain http to a host that is not loopback. Default false. */
  allowInsecureHttp?: boolean;
  /** Where requests go. Default: a keep-alive undici Agent owned by the client and closed by `close()`. */
  dispatcher?: Dispatcher;
  /** Observability hook, called after every attempt; its exceptions are ignored. */
  onAttempt?: (event: AttemptEvent) => void;
  /**
   * The clock and the wait between attempts, for tests that run retries, deadlines and
   * token expiry on a fake clock: `now` gives epoch ms (default `Date.now`), `sleep` waits
   * `ms` or until `signal` aborts (default a timer).
   */
  clock?: Clock;
}

/** What {@link FlashbackClientOptions.clock} replaces. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The real clock. */
const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepFor(ms, undefined, { signal }),
};

/** The options with defaults applied and the base URL split up. */
export interface ResolvedOptions {
  /** `scheme://host:port` of the API. */
  origin: string;
  /** Path prefix of the API without trailing slash ("" for none). */
  basePath: string;
  /** See {@link FlashbackClientOptions.accessToken}; undefined when empty. */
  accessToken: string | undefined;
  /** See {@link FlashbackClientOptions.refreshToken}; undefined when empty. */
  refreshToken: string | undefined;
  /** See {@link FlashbackClientOptions.requestTimeoutMs}. */
  requestTimeoutMs: number;
  /** See {@link FlashbackClientOptions.deadlineMs}. */
  deadlineMs: number;
  /** See {@link FlashbackClientOptions.maxRetries}. */
  maxRetries: number;
  /** See {@link FlashbackClientOptions.retryBaseDelayMs}. */
  retryBaseDelayMs: number;
  /** See {@link FlashbackClientOptions.retryMaxDelayMs}. */
  retryMaxDelayMs: number;
  /** See {@link FlashbackClientOptions.maxRetryAfterMs}. */
  maxRetryAfterMs: number;
  /** The caller's dispatcher, if any (then the client does not own or close it). */
  dispatcher: Dispatcher | undefined;
  /** See {@link FlashbackClientOptions.onAttempt}. */
  onAttempt: ((event: AttemptEvent) => void) | undefined;
  /** See {@link FlashbackClientOptions.clock}. */
  now: () => number;
  /** See {@link FlashbackClientOptions.clock}. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The defaults of the numeric options. */
export const DEFAULT_OPTIONS = {
  requestTimeoutMs: 30_000,
  deadlineMs: 120_000,
  maxRetries: 4,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
} as const;

/**
 * True for hosts that cannot leave this machine: `localhost`, 127.0.0.0/8 and ::1 (also in
 * its IPv4-mapped form). `hostname` is as `URL` gives it (IPv6 in brackets).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost") return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  if (host === "[::1]") return true;
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}

/** Splits and checks the base URL; never echoes a value that could hold a credential. */
function parseBaseUrl(baseUrl: unknown, allowInsecureHttp: boolean): { origin: string; basePath: string } {
  const example = "such as https://backend.flashback.tech or http://127.0.0.1:8787";
  if (typeof baseUrl !== "string" || baseUrl.trim() === "") {
    throw new TypeError(`FlashbackClient: baseUrl is required: an absolute http(s) URL ${example}`);
  }
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new TypeError(`FlashbackClient: baseUrl is not an absolute http(s) URL ${example}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`FlashbackClient: baseUrl must use http or https, not ${url.protocol} (${example})`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new TypeError("FlashbackClient: baseUrl must not contain user info; pass credentials as tokens");
  }
  if (url.search !== "" || url.hash !== "") {
    throw new TypeError(`FlashbackClient: baseUrl must not have a query or a fragment (${url.origin})`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !allowInsecureHttp) {
    throw new Error(
      `FlashbackClient: refusing to send a bearer token over plain http to ${url.host}: ` +
        "use an https:// baseUrl, or set allowInsecureHttp if this network is trusted " +
        "(plain http is accepted without it only for localhost, 127.0.0.0/8 and ::1)",
    );
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, "") };
}

/** A non-negative finite number (an integer if `integer`), or the default. */
function numberOption(
  options: FlashbackClientOptions,
  name: keyof typeof DEFAULT_OPTIONS,
  integer = false,
): number {
  const value = options[name];
  if (value === undefined) return DEFAULT_OPTIONS[name];
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new RangeError(
      `FlashbackClient: ${name} must be a non-negative finite ${integer ? "integer" : "number"} (default ${DEFAULT_OPTIONS[name]})`,
    );
  }
  return value;
}

/** Empty or blank credentials count as not set. */
function credential(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new TypeError(`FlashbackClient: ${name} must be a string`);
  return value.trim() === "" ? undefined : value;
}

/** Applies defaults and checks everything that can be checked before the first call. */
export function resolveOptions(options: FlashbackClientOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("FlashbackClient: options are required ({ baseUrl, accessToken or refreshToken })");
  }
  const { origin, basePath } = parseBaseUrl(options.baseUrl, options.allowInsecureHttp === true);
  const accessToken = credential(options.accessToken, "accessToken");
  const refreshToken = credential(options.refreshToken, "refreshToken");
  if (accessToken === undefined && refreshToken === undefined) {
    throw new Error(
      "FlashbackClient: no credentials: pass accessToken (an access token) or refreshToken (a refresh token)",
    );
  }
  const requestTimeoutMs = numberOption(options, "requestTimeoutMs");
  const deadlineMs = numberOption(options, "deadlineMs");
  if (requestTimeoutMs === 0 || deadlineMs === 0) {
    throw new RangeError("FlashbackClient: requestTimeoutMs and deadlineMs must be greater than 0");
  }
  if (options.onAttempt !== undefined && typeof options.onAttempt !== "function") {
    throw new TypeError("FlashbackClient: onAttempt must be a function");
  }
  return {
    origin,
    basePath,
    accessToken,
    refreshToken,
    requestTimeoutMs,
    deadlineMs,
    maxRetries: numberOption(options, "maxRetries", true),
    retryBaseDelayMs: numberOption(options, "retryBaseDelayMs"),
    retryMaxDelayMs: numberOption(options, "retryMaxDelayMs"),
    maxRetryAfterMs: numberOption(options, "maxRetryAfterMs"),
    dispatcher: options.dispatcher,
    onAttempt: options.onAttempt,
    now: () => (options.clock ?? SYSTEM_CLOCK).now(),
    sleep: (ms, signal) => (options.clock ?? SYSTEM_CLOCK).sleep(ms, signal),
  };
}
