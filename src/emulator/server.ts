import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import {
  DEFAULT_EMULATOR_TOKEN,
  normalizeRefreshTokenSeed,
  normalizeTokenSeed,
  refreshTokenSeedSchema,
  TokenRegistry,
  tokenSeedSchema,
  type Principal,
  type RefreshTokenSeed,
  type TokenSeed,
} from "./auth";
import { CONTROL_PREFIX, controlRoutes, isLoopbackAddress, type ControlServices } from "./control";
import { resolveKey, Sealer } from "./crypto";
import {
  EmulatorHttpError,
  forbidden,
  payloadTooLarge,
  badRequest,
  reasonPhrase,
  tooManyRequests,
} from "./errors";
import { FaultQueue, type Fault } from "./faults";
import { DataFileWriter, readDataFile, removeStaleTempFiles } from "./persistence";
import { RateLimiter } from "./rateLimit";
import { RequestLog, type RequestLogEntry } from "./requestLog";
import { Router } from "./router";
import { apiRoutes, type ApiReply, type ApiServices } from "./routes";
import { AiLlmStore } from "./store";
import { describeIssue } from "../schemas/issues";

/** How to start an emulator. Every field is optional. */
export interface EmulatorOptions {
  /** Interface to bind. Default `"127.0.0.1"`. */
  host?: string;
  /** Port to bind; 0 picks a free one. Default 0 (the CLI defaults to 8787). */
  port?: number;
  /**
   * Persist configurations and repository links to this JSON file after every change
   * (temporary file + fsync + rename), and load it at start if it exists.
   * Credentials in it are sealed with the encryption key.
   */
  dataFile?: string;
  /** Accepted access tokens; a plain string reaches every workspace. Default `[DEFAULT_EMULATOR_TOKEN]`. */
  tokens?: Array<string | TokenSeed>;
  /** Accepted refresh tokens for `POST /user/refresh`; a plain string reaches every workspace. */
  refreshTokens?: Array<string | RefreshTokenSeed>;
  /** Lifetime of access tokens issued by `POST /user/refresh`. Default 3600. */
  accessTokenTtlSeconds?: number;
  /**
   * Key that seals secrets and keys. Else the `FLASHBACK_EMULATOR_KEY` environment
   * variable, else a random key per process. 64 hex characters are used as the raw key;
   * any other string is hashed to 32 bytes with SHA-256.
   */
  encryptionKey?: string;
  /** Requests per second allowed per token; beyond it a 429 with `Retry-After`. Default: no limit. */
  rateLimitPerSecond?: number;
  /** Access log sink, one line per request. Lines never contain bodies, tokens or secrets. */
  log?: (line: string) => void;
}

/** A listening emulator. */
export interface RunningEmulator {
  /** Base URL, such as `http://127.0.0.1:43121`. */
  url: string;
  host: string;
  port: number;
  /** Stops listening, cuts every connection (idle keep-alive ones too) and waits for pending data-file writes. */
  close(): Promise<void>;
}

/** Largest request body accepted; larger ones get a 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * An oversized body is drained so the client can read the 413 instead of a reset, but
 * only up to this much: past it the connection is cut.
 */
const MAX_DRAIN_BYTES = 64 * MAX_BODY_BYTES;

/** Options after defaults and checks. */
interface Settings {
  host: string;
  port: number;
  tokens: TokenSeed[];
  refreshTokens: RefreshTokenSeed[];
  accessTokenTtlSeconds: number;
  rateLimitPerSecond: number | null;
}

/**
 * Starts a Flashback API emulator on a real HTTP port.
 * Rejects when the options are invalid, the data file exists but is unusable, or the
 * port cannot be bound.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const settings = checkOptions(options);
  const store = new AiLlmStore(new Sealer(resolveKey(options.encryptionKey).key));
  let writer: DataFileWriter | undefined;
  if (options.dataFile !== undefined) {
    await removeStaleTempFiles(options.dataFile);
    const snapshot = await readDataFile(options.dataFile);
    if (snapshot) store.load(snapshot);
    writer = new DataFileWriter(options.dataFile);
  }
  const emulator = new Emulator(store, settings, writer, options.log);
  return emulator.listen(settings.host, settings.port);
}

/** An answer to write: a reply and its extra headers. */
interface Answer {
  reply: ApiReply;
  headers: Readonly<Record<string, string>>;
}

/** A request body as read: at most {@link MAX_BODY_BYTES} of data, and whether there was more. */
interface RawBody {
  data: Buffer;
  tooLarge: boolean;
}

/** The request pipeline: faults, body limit, routing, auth, rate limit, handler, log. */
class Emulator {
  readonly #server: Server;
  readonly #store: AiLlmStore;
  readonly #tokens: TokenRegistry;
  readonly #rateLimiter: RateLimiter;
  readonly #faults = new FaultQueue();
  readonly #requests = new RequestLog();
  readonly #writer: DataFileWriter | undefined;
  readonly #log: ((line: string) => void) | undefined;
  readonly #apiRouter = new Router(apiRoutes);
  readonly #controlRouter = new Router(controlRoutes);
  /** Aborted by close(): cuts fault delays short so shutdown does not wait for them. */
  readonly #shutdown = new AbortController();
  readonly #services: ApiServices & ControlServices;
  #closing: Promise<void> | undefined;

  constructor(
    store: AiLlmStore,
    settings: Settings,
    writer: DataFileWriter | undefined,
    log?: (line: string) => void,
  ) {
    this.#store = store;
    this.#tokens = new TokenRegistry(settings.tokens, settings.refreshTokens, settings.accessTokenTtlSeconds);
    this.#rateLimiter = new RateLimiter(settings.rateLimitPerSecond);
    this.#writer = writer;
    this.#log = log;
    this.#services = this.#makeServices();
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        const answer = this.#failure(error);
        send(res, answer.reply, answer.headers);
      });
    });
    this.#server.on("error", (error) => this.#write(`server error: ${error.message}`));
    // Requests Node's parser refuses (huge headers, raw bytes in the path) never reach the
    // handler; answer them with the same envelope as every other error.
    this.#server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
      const body = JSON.stringify({
        success: false,
        message: tooLarge ? "Request headers are too large" : "Malformed HTTP request",
      });
      socket.end(
        `HTTP/1.1 ${tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request"}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
    });
  }

  async listen(host: string, port: number): Promise<RunningEmulator> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    const bound = (this.#server.address() as AddressInfo).port;
    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
      host,
      port: bound,
      close: () => this.#close(),
    };
  }

  #close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#shutdown.abort();
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#server.closeAllConnections();
      await closed;
      await this.#writer?.flush();
    })();
    return this.#closing;
  }

  #makeServices(): ApiServices & ControlServices {
    return {
      store: this.#store,
      tokens: this.#tokens,
      faults: this.#faults,
      requests: this.#requests,
      rateLimiter: this.#rateLimiter,
      checkRate: (principal: Principal) => {
        const retryAfter = this.#rateLimiter.take(principal.rateKey);
        if (retryAfter !== undefined) throw tooManyRequests(retryAfter);
      },
      persist: () => this.#writer?.save(this.#store.snapshot()) ?? Promise.resolve(),
    };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = req.method ?? "GET";
    const { pathname, search } = splitUrl(req.url ?? "/");
    if (pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      const status = await this.#handleControl(req, res, method, pathname);
      this.#write(`CONTROL ${method} ${pathname} ${status} ${Date.now() - started}ms`);
      return;
    }
    const entry = this.#requests.begin(method, pathname, search);
    try {
      entry.status = await this.#handleApi(req, res, method, pathname, search, entry);
    } finally {
      this.#requests.finish(entry);
      const fault = entry.fault ? ` fault=${entry.fault}` : "";
      this.#write(`API ${method} ${pathname} ${entry.status} ${Date.now() - started}ms${fault}`);
    }
  }

  /** Runs one API request; returns the status written, or 0 when none was. */
  async #handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    pathname: string,
    search: string,
    entry: RequestLogEntry,
  ): Promise<number> {
    const fault = this.#faults.take(method, pathname);
    if (fault) entry.fault = fault.action;
    if (fault?.action === "drop-before") return drop(req);
    const body = await readBody(req);
    if (!body) return 0;
    if (fault?.action === "status") return send(res, faultReply(fault), faultHeaders(fault));
    if (fault?.action === "delay") {
      // The operation still runs if the client gave up meanwhile, as on a real server;
      // only the emulator shutting down cancels it.
      await sleep(fault.delayMs ?? 0, undefined, { signal: this.#shutdown.signal }).catch(() => undefined);
      if (this.#shutdown.signal.aborted) return drop(req);
    }
    let answer: Answer;
    try {
      answer = { reply: await this.#runApi(req, method, pathname, search, body), headers: {} };
    } catch (error) {
      answer = this.#failure(error);
    }
    if (fault?.action === "drop-after") return drop(req);
    return send(res, answer.reply, answer.headers);
  }

  async #runApi(
    req: IncomingMessage,
    method: string,
    pathname: string,
    search: string,
    raw: RawBody,
  ): Promise<ApiReply> {
    if (raw.tooLarge) throw payloadTooLarge(MAX_BODY_BYTES);
    const { route, params } = this.#apiRouter.resolve(method, pathname);
    let principal: Principal | undefined;
    if (route.auth) {
      principal = this.#tokens.authenticate(req.headers.authorization);
      this.#services.checkRate(principal);
    }
    const body = route.body ? parseJson(raw.data) : undefined;
    return route.handle({ params, query: new URLSearchParams(search), body, principal }, this.#services);
  }

  async #handleControl(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    pathname: string,
  ): Promise<number> {
    const raw = await readBody(req);
    if (!raw) return 0;
    try {
      if (!isLoopbackAddress(req.socket.remoteAddress)) {
        throw forbidden("The emulator control API answers loopback clients only");
      }
      if (raw.tooLarge) throw payloadTooLarge(MAX_BODY_BYTES);
      const { route } = this.#controlRouter.resolve(method, pathname);
      const body = await route.handle(parseJson(raw.data), this.#services);
      return send(res, { status: 200, body });
    } catch (error) {
      const answer = this.#failure(error);
      return send(res, answer.reply, answer.headers);
    }
  }

  /**
   * The envelope for a thrown error: its own status for an {@link EmulatorHttpError}, a
   * 500 for anything else (a bug or a disk failure), so a request never goes unanswered.
   */
  #failure(error: unknown): Answer {
    if (error instanceof EmulatorHttpError) {
      return {
        reply: { status: error.status, body: { success: false, message: error.message } },
        headers: error.headers,
      };
    }
    this.#write(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    return {
      reply: { status: 500, body: { success: false, message: "Internal emulator error" } },
      headers: {},
    };
  }

  #write(line: string): void {
    try {
      this.#log?.(line);
    } catch {
      // A failing log sink must not take a request down with it.
    }
  }
}

/**
 * Splits a request target by hand: `new URL()` would read `//host/x` as a host and
 * silently route it to `/`.
 */
function splitUrl(target: string): { pathname: string; search: string } {
  const q = target.indexOf("?");
  return q === -1
    ? { pathname: target, search: "" }
    : { pathname: target.slice(0, q), search: target.slice(q) };
}

/** Reads the whole body, keeping at most {@link MAX_BODY_BYTES}; null if the client went away. */
function readBody(req: IncomingMessage): Promise<RawBody | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        req.destroy();
      } else if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    req.on("end", () => resolve({ data: Buffer.concat(chunks), tooLarge: size > MAX_BODY_BYTES }));
    req.on("error", () => resolve(null));
    req.on("close", () => {
      if (!req.complete) resolve(null);
    });
  });
}

/** An empty body is "no body" (undefined); anything else must be valid JSON. */
function parseJson(data: Buffer): unknown {
  const text = data.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest("Request body is not valid JSON");
  }
}

function faultReply(fault: Fault): ApiReply {
  const status = fault.status ?? 500;
  return {
    status,
    body: { success: false, message: fault.message ?? `${reasonPhrase(status)} (injected by the emulator)` },
  };
}

function faultHeaders(fault: Fault): Record<string, string> {
  return fault.retryAfter === undefined ? {} : { "Retry-After": String(fault.retryAfter) };
}

/** Writes a JSON answer; returns its status, or 0 when the connection is already gone. */
function send(res: ServerResponse, reply: ApiReply, headers: Readonly<Record<string, string>> = {}): number {
  if (res.headersSent || res.destroyed || !res.socket || res.socket.destroyed) return 0;
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
  return reply.status;
}

/** Cuts the connection without an answer, as a crashed server or a lost response would. */
function drop(req: IncomingMessage): number {
  req.socket.destroy();
  return 0;
}

function checkOptions(options: EmulatorOptions): Settings {
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") throw new TypeError("host must be a non-empty string");
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError("port must be an integer from 0 to 65535");
  }
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  if (!Number.isFinite(ttl) || ttl <= 0)
    throw new RangeError("accessTokenTtlSeconds must be a positive number");
  const rate = options.rateLimitPerSecond ?? null;
  if (rate !== null && (!Number.isInteger(rate) || rate <= 0)) {
    throw new RangeError("rateLimitPerSecond must be a positive integer");
  }
  return {
    host,
    port,
    tokens: checkSeeds(
      "tokens",
      tokenSeedSchema,
      (options.tokens ?? [DEFAULT_EMULATOR_TOKEN]).map(normalizeTokenSeed),
    ),
    refreshTokens: checkSeeds(
      "refreshTokens",
      refreshTokenSeedSchema,
      (options.refreshTokens ?? []).map(normalizeRefreshTokenSeed),
    ),
    accessTokenTtlSeconds: ttl,
    rateLimitPerSecond: rate,
  };
}

function checkSeeds<T>(option: string, schema: z.ZodType<T>, seeds: unknown[]): T[] {
  const parsed = z.array(schema).safeParse(seeds);
  if (!parsed.success) {
    throw new TypeError(
      `Invalid ${option} option: ${parsed.error.issues.map((i) => describeIssue(i, seeds)).join("; ")}`,
    );
  }
  return parsed.data;
}
