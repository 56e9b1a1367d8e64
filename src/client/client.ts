/**
 * `FlashbackClient`: the AI LLM and stored-key calls of the Flashback API on one keep-alive
 * undici Agent, with an overall deadline per call, token renewal, response validation by
 * the zod schemas and typed, credential-free errors. What follows a failed attempt is
 * decided in retry.ts; every message is worded in messages.ts.
 * @packageDocumentation
 */
import { performance } from "node:perf_hooks";
import { Agent, type Dispatcher } from "undici";
import type { ZodType } from "zod";
import {
  aiLlmStatsResponseSchema,
  createAiLlmResponseSchema,
  deleteAiLlmResponseSchema,
  errorEnvelopeSchema,
  listAiLlmsResponseSchema,
  refreshRequestBody,
  refreshResponseSchema,
  updateAiLlmResponseSchema,
  validateAiLlmResponseSchema,
  apiKeyWriteResponseSchema,
  createApiKeyResponseSchema,
  listApiKeysResponseSchema,
  type ApiKeyWriteResponse,
  type CreateApiKeyRequest,
  type CreateApiKeyResponse,
  type StoredApiKey,
  type UpdateApiKeyRequest,
  type AiLlmConfiguration,
  type AiLlmStats,
  type CreateAiLlmRequest,
  type CreateAiLlmResponse,
  type DeleteAiLlmResponse,
  type RefreshResponse,
  type UpdateAiLlmRequest,
  type UpdateAiLlmResponse,
  type ValidateAiLlmResponse,
} from "../schemas";
import { TokenManager } from "./auth";
import {
  FlashbackUnauthorizedError,
  isFlashbackError,
  type FlashbackError,
  type FlashbackErrorCode,
} from "./errors";
import {
  badResponse,
  codeOf,
  deadlineError,
  failureError,
  outcomeUnknownError,
  pastDeadlineNote,
  refreshRejected,
  REFRESH_PATH,
  type CallContext,
  type Failure,
  type MessageSettings,
} from "./messages";
import { resolveOptions, type FlashbackClientOptions, type ResolvedOptions } from "./options";
import { sanitizeApiMessage } from "./redact";
import { decideAfterFailure } from "./retry";
import {
  AttemptFailure,
  BODY_TOO_LARGE_ERROR_CODE,
  DeadlineExceeded,
  isJsonMediaType,
  sendAttempt,
  type AttemptResponse,
} from "./transport";
import { USER_AGENT } from "./version";

/** How one call is made; private to the client. */
interface CallSpec<T> extends CallContext {
  method: Dispatcher.HttpMethod;
  /** API path, segments already encoded. */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  schema: ZodType<T>;
  /** Values of this request (secret, key) to scrub from server messages. */
  redact?: ReadonlyArray<string | null | undefined>;
  /** True when a 2xx with `success:false` is a normal answer (validate, refresh). */
  acceptUnsuccessful?: boolean;
  /** Epoch-ms deadline inherited from the call that needed a token. */
  deadline?: number;
}

/** Formats a zod issue path as `aiLlms[0].id`. */
function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path)
    out += typeof key === "number" ? `[${key}]` : `${out === "" ? "" : "."}${String(key)}`;
  return out === "" ? "(root)" : out;
}

/** Rejects ids that would change the request's path instead of naming a configuration. */
function pathSegment(id: unknown, what: string): string {
  if (typeof id !== "string" || id === "" || id === "." || id === "..") {
    throw new TypeError(`FlashbackClient: ${what} must be a non-empty configuration id`);
  }
  return encodeURIComponent(id);
}

/** A query string with only the parameters that are set. */
function query(params: Record<string, string | undefined>): URLSearchParams | undefined {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, value);
  return search.size === 0 ? undefined : search;
}

/**
 * Client of the Flashback AI LLM management API. One instance per process: it owns a
 * keep-alive connection pool, so call {@link FlashbackClient.close} when done.
 *
 * Every call validates the answer against the documented shape, retries what is safe to
 * retry within an overall deadline, and throws a {@link FlashbackError} subclass otherwise.
 * A create is never blindly resent: when its answer is lost it throws
 * `FlashbackOutcomeUnknownError`.
 */
export class FlashbackClient {
  private readonly options: ResolvedOptions;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly tokens: TokenManager;
  private closing: Promise<void> | undefined;

  /**
   * @param options - see {@link FlashbackClientOptions}
   * @throws TypeError or Error when the base URL is not an absolute http(s) URL, is plain
   *   http to a non-loopback host without `allowInsecureHttp`, or no credential is set.
   */
  constructor(options: FlashbackClientOptions) {
    this.options = resolveOptions(options);
    this.ownsDispatcher = this.options.dispatcher === undefined;
    this.dispatcher =
      this.options.dispatcher ??
      new Agent({ connect: { timeout: Math.min(this.options.requestTimeoutMs, 10_000) } });
    this.tokens = new TokenManager({
      accessToken: this.options.accessToken,
      refreshToken: this.options.refreshToken,
      exchange: (refreshToken, deadline) => this.exchangeRefreshToken(refreshToken, deadline),
      now: this.options.now,
    });
  }

  /** `POST /ai/llm`: creates a configuration; resolves with its new `aiLlmId`. Never resent once possibly applied. */
  async createAiLlm(body: CreateAiLlmRequest): Promise<CreateAiLlmResponse> {
    return this.call({
      method: "POST",
      path: "/ai/llm",
      idempotent: false,
      body,
      schema: createAiLlmResponseSchema,
      redact: [body?.secret, body?.key],
      authenticated: true,
    });
  }

  /** `GET /ai/llm`: every accessible configuration, or those of one workspace. */
  async listAiLlms(workspaceId?: string): Promise<AiLlmConfiguration[]> {
    const answer = await this.call({
      method: "GET",
      idempotent: true,
      path: "/ai/llm",
      query: query({ workspaceId }),
      schema: listAiLlmsResponseSchema,
      authenticated: true,
    });
    return answer.aiLlms;
  }

  /** `GET /ai/llm/available`: the configurations ready for use, newest first. */
  async listAvailableAiLlms(): Promise<AiLlmConfiguration[]> {
    const answer = await this.call({
      method: "GET",
      idempotent: true,
      path: "/ai/llm/available",
      schema: listAiLlmsResponseSchema,
      authenticated: true,
    });
    return answer.aiLlms;
  }

  /** `PUT /ai/llm/{id}`: partial update; send only the fields that change. */
  async updateAiLlm(id: string, body: UpdateAiLlmRequest): Promise<UpdateAiLlmResponse> {
    return this.call({
      method: "PUT",
      idempotent: true,
      path: `/ai/llm/${pathSegment(id, "id")}`,
      body,
      schema: updateAiLlmResponseSchema,
      redact: [body?.secret, body?.key],
      authenticated: true,
    });
  }

  /** `DELETE /ai/llm/{id}`: 403 while repositories use it, 404 when it does not exist. */
  async deleteAiLlm(id: string): Promise<DeleteAiLlmResponse> {
    return this.call({
      method: "DELETE",
      idempotent: true,
      path: `/ai/llm/${pathSegment(id, "id")}`,
      schema: deleteAiLlmResponseSchema,
      authenticated: true,
    });
  }

  /**
   * `GET /apikeys`: the stored provider keys the token can see, in one workspace when
   * `workspaceId` is given. Never with their secrets.
   */
  async listApiKeys(
    filter: { workspaceId?: string; provider?: string; capability?: number } = {},
  ): Promise<StoredApiKey[]> {
    const answer = await this.call({
      method: "GET",
      idempotent: true,
      path: "/apikeys",
      query: query({
        workspaceId: filter.workspaceId,
        provider: filter.provider,
        capability: filter.capability === undefined ? undefined : String(filter.capability),
      }),
      schema: listApiKeysResponseSchema,
      authenticated: true,
    });
    return answer.apiKeys;
  }

  /** `POST /apikeys`: stores a provider key; resolves with its new `apiKeyId`. Never resent once possibly applied. */
  async createApiKey(body: CreateApiKeyRequest): Promise<CreateApiKeyResponse> {
    return this.call({
      method: "POST",
      path: "/apikeys",
      idempotent: false,
      body,
      schema: createApiKeyResponseSchema,
      redact: [body?.secret, body?.key],
      authenticated: true,
    });
  }

  /** `PUT /apikeys/{id}`: changes the given fields of a stored key (a rotation sends `secret`). */
  async updateApiKey(id: string, body: UpdateApiKeyRequest): Promise<ApiKeyWriteResponse> {
    return this.call({
      method: "PUT",
      idempotent: true,
      path: `/apikeys/${pathSegment(id, "id")}`,
      body,
      schema: apiKeyWriteResponseSchema,
      redact: [body?.secret, body?.key],
      authenticated: true,
    });
  }

  /** `DELETE /apikeys/{id}`: removes a stored key; refused while configurations use it. */
  async deleteApiKey(id: string): Promise<ApiKeyWriteResponse> {
    return this.call({
      method: "DELETE",
      idempotent: true,
      path: `/apikeys/${pathSegment(id, "id")}`,
      schema: apiKeyWriteResponseSchema,
      authenticated: true,
    });
  }

  /**
   * `POST /ai/llm/{id}/validate`: a live test call to the provider. A 200 with
   * `success:false` (the check ran and failed) is returned, not thrown.
   */
  async validateAiLlm(id: string): Promise<ValidateAiLlmResponse> {
    return this.call({
      method: "POST",
      path: `/ai/llm/${pathSegment(id, "id")}/validate`,
      // A check that stores nothing but its outcome: sending it again is harmless.
      idempotent: true,
      schema: validateAiLlmResponseSchema,
      authenticated: true,
      acceptUnsuccessful: true,
    });
  }

  /** `GET /ai/llm/stats`: usage counters (as numbers) of every accessible configuration, or of one. */
  async getAiLlmStats(aiLlmId?: string): Promise<AiLlmStats[]> {
    const answer = await this.call({
      method: "GET",
      idempotent: true,
      path: "/ai/llm/stats",
      query: query({ aiLlmId }),
      schema: aiLlmStatsResponseSchema,
      authenticated: true,
    });
    return answer.stats;
  }

  /**
   * `POST /user/refresh` with the configured (or last rotated) refresh token. The new access
   * token, and a rotated refresh token, are kept in memory only. Joins a refresh already in flight.
   */
  async refreshAccessToken(): Promise<void> {
    this.assertOpen();
    if (!this.tokens.canRefresh) {
      throw new FlashbackUnauthorizedError({
        method: "POST",
        path: REFRESH_PATH,
        message:
          "Flashback API POST /user/refresh was not attempted: no refresh token is configured " +
          "(pass the refreshToken option)",
      });
    }
    await this.tokens.refresh(this.options.now() + this.options.deadlineMs);
  }

  /** Closes the connection pool if the client created it (a caller's dispatcher is left open). Idempotent. */
  async close(): Promise<void> {
    this.closing ??= this.ownsDispatcher ? this.dispatcher.close() : Promise.resolve();
    await this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error("FlashbackClient: the client is closed");
  }

  /** Runs one call under its deadline: the timer aborts whatever attempt is in flight. */
  private async call<T>(spec: CallSpec<T>): Promise<T> {
    this.assertOpen();
    const deadline = spec.deadline ?? this.options.now() + this.options.deadlineMs;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DeadlineExceeded(this.options.deadlineMs)),
      Math.max(0, deadline - this.options.now()),
    );
    timer.unref();
    try {
      return await this.attempts(spec, deadline, controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The attempt loop: send, and on failure do what {@link decideAfterFailure} says. */
  private async attempts<T>(spec: CallSpec<T>, deadline: number, signal: AbortSignal): Promise<T> {
    const { method, path } = spec;
    const { now } = this.options;
    let token = spec.authenticated ? await this.tokens.token(deadline) : undefined;
    let attempt = 0;
    let budgeted = 0;
    let resentAfter401 = false;
    let last: FlashbackError | undefined;
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const fullPath = this.options.basePath + path + (spec.query ? `?${spec.query.toString()}` : "");
    for (;;) {
      if (signal.aborted) throw last ?? deadlineError(spec, this.messageSettings(), attempt);
      attempt += 1;
      const started = performance.now();
      let result: AttemptResponse | AttemptFailure;
      try {
        result = await sendAttempt({
          dispatcher: this.dispatcher,
          origin: this.options.origin,
          path: fullPath,
          method,
          headers: this.headers(token, body !== undefined),
          body,
          timeoutMs: this.options.requestTimeoutMs,
          signal,
        });
      } catch (error) {
        if (!(error instanceof AttemptFailure)) throw error;
        result = error;
      }
      const durationMs = Math.round(performance.now() - started);
      const report = (status: number | undefined, code: FlashbackErrorCode | undefined): void =>
        this.report({ method, path, attempt, durationMs, status, code });

      if (!(result instanceof AttemptFailure) && result.status >= 200 && result.status < 300) {
        const parsed = this.parseSuccess(spec, result, attempt);
        report(result.status, parsed.ok ? undefined : parsed.error.code);
        if (!parsed.ok) throw parsed.error;
        return parsed.value;
      }

      const failure = this.describeFailure(spec, result);
      const decision = decideAfterFailure({
        idempotent: spec.idempotent,
        status: failure.status,
        errorCode: failure.errorCode,
        retryAfter: failure.retryAfter,
        bodyTooLarge: failure.status === undefined && failure.errorCode === BODY_TOO_LARGE_ERROR_CODE,
        canRefreshToken:
          spec.authenticated && this.tokens.canRefresh && !resentAfter401 && token !== undefined,
        attempt: budgeted + 1,
        maxRetries: this.options.maxRetries,
        msLeft: deadline - now(),
        delay: {
          baseDelayMs: this.options.retryBaseDelayMs,
          maxDelayMs: this.options.retryMaxDelayMs,
          maxRetryAfterMs: this.options.maxRetryAfterMs,
          now,
        },
      });
      switch (decision.action) {
        case "refresh-and-resend":
          // Outside the retry budget: one fresh token settles a 401.
          report(401, "UNAUTHORIZED");
          resentAfter401 = true;
          token = await this.tokens.tokenAfterRejection(token as string, deadline);
          continue;
        case "outcome-unknown": {
          const error = outcomeUnknownError(spec, this.messageSettings(), failure);
          report(failure.status, error.code);
          throw error;
        }
        case "fail": {
          if (decision.reason === "body-too-large") {
            // Headers said 2xx, so a create went through; without the body its id is unknown.
            const error = badResponse(spec, result.status ?? 0, "a body larger than the client accepts");
            report(result.status, error.code);
            throw error;
          }
          report(failure.status, codeOf(failure));
          const note =
            decision.reason === "past-deadline" ? pastDeadlineNote(this.messageSettings()) : undefined;
          throw failureError(spec, this.messageSettings(), failure, attempt, note);
        }
        case "retry":
          budgeted += 1;
          report(failure.status, codeOf(failure));
          last = failureError(spec, this.messageSettings(), failure, attempt);
          await this.options.sleep(decision.delayMs, signal).catch(() => undefined);
          if (spec.authenticated) token = await this.tokens.token(deadline);
      }
    }
  }

  /** What messages quote of the settings. */
  private messageSettings(): MessageSettings {
    const { origin, requestTimeoutMs, deadlineMs, maxRetryAfterMs } = this.options;
    return { origin, requestTimeoutMs, deadlineMs, maxRetryAfterMs, canRefresh: this.tokens.canRefresh };
  }

  /** Headers of every request; the token is the only secret and goes nowhere else. */
  private headers(token: string | undefined, hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: "application/json", "user-agent": USER_AGENT };
    if (hasBody) headers["content-type"] = "application/json";
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    return headers;
  }

  /** Credentials to scrub from anything the server says in this call. */
  private secrets(spec: CallSpec<unknown>): Array<string | undefined> {
    return [...this.tokens.credentials(), ...(spec.redact ?? []).map((value) => value ?? undefined)];
  }

  /** Checks media type, JSON and schema of a 2xx; never puts the body in a message. */
  private parseSuccess<T>(
    spec: CallSpec<T>,
    response: AttemptResponse,
    attempt: number,
  ): { ok: true; value: T } | { ok: false; error: FlashbackError } {
    const fail = (what: string) => ({
      ok: false as const,
      error: badResponse(spec, response.status, what, attempt),
    });
    if (!isJsonMediaType(response.mediaType)) {
      return fail(`content-type ${response.mediaType.slice(0, 100) || "(none)"} instead of application/json`);
    }
    if (response.text.trim() === "") return fail("an empty body");
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      return fail("a body that is not valid JSON");
    }
    if (
      !spec.acceptUnsuccessful &&
      typeof json === "object" &&
      json !== null &&
      (json as { success?: unknown }).success === false
    ) {
      const message = (json as { message?: unknown }).message;
      const said = typeof message === "string" ? `: ${sanitizeApiMessage(message, this.secrets(spec))}` : "";
      return fail(`success:false${said}`);
    }
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${formatIssuePath(issue.path)}: ${issue.message}` : "unknown issue";
      return fail(
        `a body that does not match the expected shape (${sanitizeApiMessage(where, this.secrets(spec))})`,
      );
    }
    const value = parsed.data as { message?: unknown };
    if (spec.acceptUnsuccessful && typeof value.message === "string") {
      // A failed validation embeds the provider's own error text, which may echo credentials.
      value.message = sanitizeApiMessage(value.message, this.secrets(spec));
    }
    return { ok: true, value: parsed.data };
  }

  /** Reduces an attempt's result to status or low-level code, plus the redacted API message. */
  private describeFailure(spec: CallSpec<unknown>, result: AttemptResponse | AttemptFailure): Failure {
    if (result instanceof AttemptFailure) {
      const failure: Failure = { cause: result.cause };
      if (result.status !== undefined && (result.status < 200 || result.status >= 300)) {
        // The status line arrived, only the body was lost: the status says what happened.
        failure.status = result.status;
      } else {
        failure.errorCode = result.errorCode;
      }
      if (result.retryAfter !== undefined) failure.retryAfter = result.retryAfter;
      return failure;
    }
    const failure: Failure = { status: result.status };
    if (result.retryAfter !== undefined) failure.retryAfter = result.retryAfter;
    const apiMessage = this.apiMessageOf(spec, result);
    if (apiMessage !== undefined) failure.apiMessage = apiMessage;
    return failure;
  }

  /** The `message` of a JSON error envelope, redacted; undefined for anything else. */
  private apiMessageOf(spec: CallSpec<unknown>, response: AttemptResponse): string | undefined {
    if (!isJsonMediaType(response.mediaType)) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      return undefined;
    }
    const envelope = errorEnvelopeSchema.safeParse(json);
    if (!envelope.success) return undefined;
    const message = envelope.data.message ?? envelope.data["error_message"];
    if (typeof message !== "string" || message.trim() === "") return undefined;
    return sanitizeApiMessage(message, this.secrets(spec));
  }

  /** Observability hook; a failing hook must not fail the call. */
  private report(event: {
    method: string;
    path: string;
    attempt: number;
    durationMs: number;
    status: number | undefined;
    code: FlashbackErrorCode | undefined;
  }): void {
    const hook = this.options.onAttempt;
    if (!hook) return;
    const { status, code, ...rest } = event;
    try {
      hook({ ...rest, ...(status === undefined ? {} : { status }), ...(code === undefined ? {} : { code }) });
    } catch {
      // Deliberately ignored: observability must not change the outcome of a call.
    }
  }

  /** The token exchange, as a call of its own; a refusal becomes UNAUTHORIZED naming the setting. */
  private async exchangeRefreshToken(refreshToken: string, deadline: number): Promise<RefreshResponse> {
    const spec: CallSpec<RefreshResponse> = {
      method: "POST",
      path: REFRESH_PATH,
      // A lost refresh has already spent its token, so a resend can only help.
      idempotent: true,
      body: refreshRequestBody(refreshToken),
      schema: refreshResponseSchema,
      redact: [refreshToken],
      authenticated: false,
      acceptUnsuccessful: true,
      deadline,
    };
    let answer: RefreshResponse;
    try {
      answer = await this.call(spec);
    } catch (error) {
      if (
        isFlashbackError(error) &&
        error.status !== undefined &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 429
      ) {
        throw refreshRejected(error.status, error.apiMessage);
      }
      throw error;
    }
    if (!answer.success) {
      const message =
        typeof answer.message === "string"
          ? sanitizeApiMessage(answer.message, this.secrets(spec))
          : undefined;
      throw refreshRejected(200, message);
    }
    return answer;
  }
}
