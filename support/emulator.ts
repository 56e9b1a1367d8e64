import {
  DEFAULT_EMULATOR_TOKEN,
  startEmulator,
  type EmulatorOptions,
  type EmulatorStateView,
  type Fault,
  type FaultSpec,
  type RequestLogEntry,
  type RunningEmulator,
  type SeedRequest,
  type StateApiKey,
} from "../src/emulator";

/**
 * A parsed JSON answer. Loosely typed on purpose: tests read fields directly, and parse
 * with the zod schemas of src/schemas wherever the shape itself is under test.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

/** An HTTP answer: status, parsed body (text if not JSON, undefined if empty) and headers. */
export interface ApiResult {
  status: number;
  body: JsonBody;
  headers: Headers;
}

/**
 * One emulator for a test or a suite, with helpers for the API and the control API.
 * Use {@link withEmulator} inside a mocha `describe`, or `await EmulatorHandle.start()`
 * anywhere else (and `close()` it).
 */
export class EmulatorHandle {
  /** Options the emulator is (or will be) started with. */
  readonly options: EmulatorOptions;
  #running: RunningEmulator | undefined;

  /** Creates a handle; nothing listens until {@link EmulatorHandle.start} is called. */
  constructor(options: EmulatorOptions = {}) {
    this.options = options;
  }

  /** Creates and starts a handle. */
  static async start(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
    return new EmulatorHandle(options).start();
  }

  /** Starts the emulator (port 0 unless the options say otherwise). */
  async start(): Promise<this> {
    if (this.#running) throw new Error("emulator already started");
    this.#running = await startEmulator({ port: 0, ...this.options });
    return this;
  }

  /** Closes the emulator; safe to call when it is not running. */
  async close(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    await running?.close();
  }

  /** The running emulator. */
  get running(): RunningEmulator {
    if (!this.#running)
      throw new Error("emulator not started: call start() or use withEmulator() in a describe");
    return this.#running;
  }

  /** Base URL of the running emulator. */
  get url(): string {
    return this.running.url;
  }

  /** The first access token it accepts (the default token unless `tokens` was given). */
  get token(): string {
    const first = this.options.tokens?.[0] ?? DEFAULT_EMULATOR_TOKEN;
    return typeof first === "string" ? first : first.token;
  }

  /**
   * Calls the API with bearer auth and a JSON body.
   * @param token - Token to send instead of {@link EmulatorHandle.token}; null sends no Authorization header.
   */
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<ApiResult> {
    const bearer = token === undefined ? this.token : token;
    return this.request(method, path, {
      headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** A raw request (any headers, any body text) against the emulator. */
  async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string | Buffer; signal?: AbortSignal } = {},
  ): Promise<ApiResult> {
    const headers: Record<string, string> = { accept: "application/json", ...init.headers };
    if (init.body !== undefined) headers["content-type"] ??= "application/json";
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      body: init.body,
      signal: init.signal,
    });
    const text = await response.text();
    let body: JsonBody = text === "" ? undefined : text;
    if (text !== "" && response.headers.get("content-type")?.includes("application/json"))
      body = JSON.parse(text);
    return { status: response.status, body, headers: response.headers };
  }

  /** `POST /_emulator/reset`: no data, faults, log, seeded or issued tokens. */
  async reset(): Promise<void> {
    await this.#control("POST", "/_emulator/reset");
  }

  /** `POST /_emulator/seed`: tokens, refresh tokens, repository links, TTL, rate limit. */
  async seed(body: SeedRequest): Promise<void> {
    await this.#control("POST", "/_emulator/seed", body);
  }

  /** `POST /_emulator/faults`: queues a fault and returns it. */
  async fault(body: FaultSpec): Promise<Fault> {
    return (await this.#control("POST", "/_emulator/faults", body)).fault as Fault;
  }

  /** `GET /_emulator/faults`: pending faults with remaining counts. */
  async faults(): Promise<Fault[]> {
    return (await this.#control("GET", "/_emulator/faults")).faults as Fault[];
  }

  /** `DELETE /_emulator/faults`. */
  async clearFaults(): Promise<void> {
    await this.#control("DELETE", "/_emulator/faults");
  }

  /** `GET /_emulator/requests`: the API request log (no bodies, headers or tokens). */
  async requests(): Promise<RequestLogEntry[]> {
    return (await this.#control("GET", "/_emulator/requests")).requests as RequestLogEntry[];
  }

  /** `POST /_emulator/requests/clear`. */
  async clearRequests(): Promise<void> {
    await this.#control("POST", "/_emulator/requests/clear");
  }

  /** `GET /_emulator/state`: configurations and repository links, without credentials. */
  async state(): Promise<EmulatorStateView> {
    const { aiLlms, repos } = await this.#control("GET", "/_emulator/state");
    return { aiLlms, repos } as EmulatorStateView;
  }

  /**
   * The stored provider keys of `GET /_emulator/state` (credentials sealed), which
   * {@link EmulatorHandle.state} leaves out so that its answer keeps its original shape.
   */
  async apiKeys(): Promise<StateApiKey[]> {
    return (await this.#control("GET", "/_emulator/state")).apiKeys as StateApiKey[];
  }

  /** Calls the control API and insists on a 200, so a broken fixture fails loudly where it is set up. */
  async #control(method: string, path: string, body?: unknown): Promise<JsonBody> {
    const result = await this.request(method, path, {
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (result.status !== 200) {
      throw new Error(`${method} ${path} answered ${result.status}: ${JSON.stringify(result.body)}`);
    }
    return result.body;
  }
}

/**
 * Starts an emulator in mocha's `before` hook and closes it in `after`, for the enclosing
 * `describe`. The handle's `url` and `token` are readable once the hook has run.
 */
export function withEmulator(options: EmulatorOptions = {}): EmulatorHandle {
  const handle = new EmulatorHandle(options);
  before(() => handle.start());
  after(() => handle.close());
  return handle;
}
