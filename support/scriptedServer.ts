/**
 * A counter-scripted HTTP server on 127.0.0.1, port 0, for the client's retry tests: each
 * route answers its n-th request with the n-th step of its script (the last step repeats).
 * A step can answer, delay, or destroy the socket before or after reading the request body.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the server does with one request. */
export type Step =
  | {
      /** HTTP status to answer with. */
      status: number;
      /** Extra response headers. */
      headers?: Record<string, string>;
      /** A string is sent as is; anything else as JSON (with a JSON content-type unless set). */
      body?: unknown;
      /** Wait this long before answering. */
      delayMs?: number;
    }
  /** Destroy the socket as soon as the request line and headers arrived. */
  | { action: "destroy-before-body" }
  /** Read the whole request body, then destroy the socket without answering. */
  | { action: "destroy-after-body" };

/** One request the server saw. */
export interface RecordedRequest {
  method: string;
  /** Path without query string, as sent (still percent-encoded). */
  path: string;
  /** Raw query string without `?` ("" when none). */
  query: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The remote port: different values mean different connections. */
  remotePort: number;
}

/**
 * A route's script: a list of steps by request count, or a function of the request (body
 * included) and its 0-based count. A function runs after the body was read, so its
 * "destroy-before-body" acts like "destroy-after-body".
 */
export type Script = Step[] | ((request: RecordedRequest, index: number) => Step);

/** A running scripted server. */
export interface ScriptedServer {
  /** Base URL, e.g. `http://127.0.0.1:53211`. */
  url: string;
  /** Every request so far, in arrival order. */
  requests: RecordedRequest[];
  /** How many requests matched `METHOD /path` (or all, without a key). */
  count(route?: string): number;
  /** Distinct TCP connections accepted so far. */
  connections(): number;
  /** Stops pending timers, destroys open sockets and closes the server. */
  close(): Promise<void>;
}

/** Standard JSON envelope of a successful list call, for brevity in tests. */
export const EMPTY_LIST: Step = { status: 200, body: { success: true, aiLlms: [] } };

/**
 * Starts the server. `routes` maps `"METHOD /path"` (no query) to a script; unmatched
 * requests get a 404 JSON error.
 */
export async function startScriptedServer(routes: Record<string, Script>): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const counters = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = `${req.method} ${url.pathname}`;
    const script = routes[route];
    const index = counters.get(route) ?? 0;
    counters.set(route, index + 1);

    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: (req.url ?? "/").split("?")[0]!,
      query: url.search.replace(/^\?/, ""),
      headers: req.headers,
      body: "",
      remotePort: req.socket.remotePort ?? 0,
    };
    requests.push(recorded);

    const notFound: Step = { status: 404, body: { success: false, message: `no route ${route}` } };
    // A list decides on arrival (so it can drop the socket before the body); a function sees the body.
    const step: Step | undefined =
      script === undefined
        ? notFound
        : Array.isArray(script)
          ? script[Math.min(index, script.length - 1)]
          : undefined;

    if (step && "action" in step && step.action === "destroy-before-body") {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => undefined);
    req.on("end", () => {
      recorded.body = Buffer.concat(chunks).toString("utf8");
      const chosen: Step = step ?? (script as (r: RecordedRequest, i: number) => Step)(recorded, index);
      if ("action" in chosen) {
        req.socket.destroy();
        return;
      }
      const answer = (): void => {
        if (res.destroyed) return;
        const headers: Record<string, string> = { ...(chosen.headers ?? {}) };
        let payload = "";
        if (chosen.body !== undefined) {
          if (typeof chosen.body === "string") {
            payload = chosen.body;
          } else {
            payload = JSON.stringify(chosen.body);
            if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
              headers["content-type"] = "application/json";
            }
          }
        }
        res.writeHead(chosen.status, headers);
        res.end(payload);
      };
      if (chosen.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, chosen.delayMs);
        timers.add(timer);
      } else {
        answer();
      }
    });
  });
  server.on("connection", () => {
    connections += 1;
  });
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count(route?: string): number {
      if (route === undefined) return requests.length;
      return requests.filter((r) => `${r.method} ${r.path}` === route).length;
    },
    connections: () => connections,
    async close(): Promise<void> {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
