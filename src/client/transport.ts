/**
 * One HTTP attempt over undici: send, read the whole body (always, so the keep-alive socket
 * goes back to the pool), and report either the response or a failure with a stable code.
 * No retries, no interpretation of statuses: that is the client's job.
 * @packageDocumentation
 */
import type { Dispatcher } from "undici";

/** Error code of the abort reason the client uses when a call's overall deadline runs out. */
export const DEADLINE_ERROR_CODE = "FLASHBACK_DEADLINE";

/** Error code of a response body larger than the transport accepts. */
export const BODY_TOO_LARGE_ERROR_CODE = "FLASHBACK_BODY_TOO_LARGE";

/** Largest body read into memory; the API's answers are small JSON documents. */
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The abort reason of a call whose deadline ran out; carries a code like undici's errors. */
export class DeadlineExceeded extends Error {
  /** Always {@link DEADLINE_ERROR_CODE}. */
  readonly code = DEADLINE_ERROR_CODE;
  /** @param deadlineMs - the call's configured deadline, for the message. */
  constructor(deadlineMs: number) {
    super(`deadline of ${deadlineMs} ms exceeded`);
    this.name = "DeadlineExceeded";
  }
}

/** One attempt to send. */
export interface AttemptRequest {
  /** Where to send it (the undici Agent of the client, or the caller's dispatcher). */
  dispatcher: Dispatcher;
  /** Scheme, host and port, e.g. `http://127.0.0.1:8787`. */
  origin: string;
  /** Full request path: base path prefix, API path and query string. */
  path: string;
  /** HTTP method. */
  method: Dispatcher.HttpMethod;
  /** Request headers; never copied into results or failures. */
  headers: Record<string, string>;
  /** Serialized JSON body, if any. */
  body?: string;
  /** Used as both undici `headersTimeout` and `bodyTimeout`. */
  timeoutMs: number;
  /** Aborts the attempt (the call's deadline). */
  signal?: AbortSignal;
  /** Cap on the bytes read from the body. */
  maxBodyBytes?: number;
}

/** A response that arrived in full. */
export interface AttemptResponse {
  /** HTTP status. */
  status: number;
  /** Media type of the body, lower case, without parameters (`application/json`), or "". */
  mediaType: string;
  /** The `Retry-After` header, if present. */
  retryAfter?: string;
  /** The body as UTF-8 text ("" when there is none). */
  text: string;
}

/**
 * An attempt that produced no complete response. `errorCode` is the low-level code
 * (`ECONNREFUSED`, `UND_ERR_SOCKET`, {@link DEADLINE_ERROR_CODE}, ...); `status` is set when
 * the headers arrived but the body did not.
 */
export class AttemptFailure extends Error {
  /** Low-level code; "UNKNOWN" when the error had none. */
  readonly errorCode: string;
  /** Status line, when it arrived before the failure. */
  readonly status?: number;
  /** `Retry-After`, when the headers arrived before the failure. */
  readonly retryAfter?: string;

  /**
   * @param errorCode - low-level code
   * @param cause - the error undici or the socket raised
   * @param response - what was known of the response before it failed
   */
  constructor(errorCode: string, cause: unknown, response?: { status: number; retryAfter?: string }) {
    super(`request failed (${errorCode})`, { cause });
    this.name = "AttemptFailure";
    this.errorCode = errorCode;
    if (response) {
      this.status = response.status;
      if (response.retryAfter !== undefined) this.retryAfter = response.retryAfter;
    }
  }
}

/** The low-level code of an error from undici or the socket (also looking one `cause` down). */
export function errorCodeOf(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return "UNKNOWN";
}

/** First value of a response header, which undici gives as a string or an array. */
function headerValue(headers: Dispatcher.ResponseData["headers"], name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) return value[0];
  return value ?? undefined;
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** True for `application/json` and `application/<something>+json`. */
export function isJsonMediaType(mediaType: string): boolean {
  return (
    mediaType === "application/json" || (mediaType.startsWith("application/") && mediaType.endsWith("+json"))
  );
}

/** Reads the whole body, or destroys it once it grows past `maxBytes`. */
async function readBody(
  body: Dispatcher.ResponseData["body"],
  maxBytes: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer: Buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Sends one request and reads its whole body. Resolves with any status (errors included);
 * rejects only with an {@link AttemptFailure}.
 */
export async function sendAttempt(request: AttemptRequest): Promise<AttemptResponse> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request.dispatcher.request({
      origin: request.origin,
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
      signal: request.signal,
    });
  } catch (error) {
    throw new AttemptFailure(errorCodeOf(error), error);
  }
  const status = response.statusCode;
  const retryAfter = headerValue(response.headers, "retry-after");
  const known = retryAfter === undefined ? { status } : { status, retryAfter };
  let text: string | undefined;
  try {
    text = await readBody(response.body, request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  } catch (error) {
    throw new AttemptFailure(errorCodeOf(error), error, known);
  }
  if (text === undefined) throw new AttemptFailure(BODY_TOO_LARGE_ERROR_CODE, undefined, known);
  const result: AttemptResponse = {
    status,
    mediaType: mediaTypeOf(headerValue(response.headers, "content-type")),
    text,
  };
  if (retryAfter !== undefined) result.retryAfter = retryAfter;
  return result;
}
