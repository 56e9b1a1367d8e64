import { STATUS_CODES } from "node:http";

/**
 * A failure the emulator answers with the API's error envelope `{success:false, message}`.
 * Like moto's service exceptions, each kind has a fixed status so a handler only has to
 * pick the kind and write a message that names the offending field or id.
 */
export class EmulatorHttpError extends Error {
  /** HTTP status sent with the envelope. */
  readonly status: number;
  /** Extra response headers (`Retry-After`, `Allow`). */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param status - HTTP status of the answer.
   * @param message - Text placed in the envelope's `message`; must never contain a secret.
   * @param headers - Extra response headers.
   */
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "EmulatorHttpError";
    this.status = status;
    this.headers = headers;
  }
}

/** 400: the request body or a field in it is wrong. */
export function badRequest(message: string): EmulatorHttpError {
  return new EmulatorHttpError(400, message);
}

/** 401: the bearer token is missing, unknown or expired. */
export function unauthorized(message: string): EmulatorHttpError {
  return new EmulatorHttpError(401, message);
}

/** 403: the caller may not touch this workspace, or the configuration is in use. */
export function forbidden(message: string): EmulatorHttpError {
  return new EmulatorHttpError(403, message);
}

/** 404: unknown path or unknown id. */
export function notFound(message: string): EmulatorHttpError {
  return new EmulatorHttpError(404, message);
}

/** 405: the path exists but not with this method; `Allow` lists the methods that do. */
export function methodNotAllowed(
  method: string,
  path: string,
  allowed: readonly string[],
): EmulatorHttpError {
  return new EmulatorHttpError(405, `Method ${method} is not allowed on ${path}`, {
    Allow: allowed.join(", "),
  });
}

/** 413: the body is larger than the emulator accepts. */
export function payloadTooLarge(limitBytes: number): EmulatorHttpError {
  return new EmulatorHttpError(413, `Request body exceeds the limit of ${limitBytes} bytes`);
}

/** 429: the token sent more requests than the configured rate allows. */
export function tooManyRequests(retryAfterSeconds: number): EmulatorHttpError {
  return new EmulatorHttpError(429, "Too many requests: rate limit exceeded, retry later", {
    "Retry-After": String(retryAfterSeconds),
  });
}

/** The standard reason phrase of a status, for messages of injected faults. */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? `HTTP ${status}`;
}
