import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { EmulatorHandle } from "../../support/emulator";

/*
 * Arbitrary requests against every emulator route: random methods, paths, ids,
 * headers and bodies (JSON, bytes, broken JSON, more than 1 MiB, wrong content
 * types). Whatever arrives, the emulator answers: a 2xx for a valid request, else
 * a 4xx with the API's `{success:false, message}` envelope, never a 5xx or a cut
 * connection, and a refused request leaves its stored data exactly as it was.
 */

const TOKEN = `fuzz-token-${randomBytes(8).toString("hex")}`;
/** A token limited to workspace ws-a, so 403s are reachable. */
const LIMITED = `fuzz-limited-${randomBytes(8).toString("hex")}`;
const SECRET = `sk-fuzz-${randomBytes(12).toString("hex")}`;
const KEY = `ak-fuzz-${randomBytes(12).toString("hex")}`;
const REFRESH = `fuzz-refresh-${randomBytes(8).toString("hex")}`;

const MIB = 1024 * 1024;
const SEED = 4_242_017;
const RUNS = 250;

/** The routes under test; `:id` is filled in per request. */
const ROUTES = [
  { method: "POST", path: "/ai/llm", auth: true },
  { method: "GET", path: "/ai/llm", auth: true },
  { method: "GET", path: "/ai/llm/available", auth: true },
  { method: "GET", path: "/ai/llm/stats", auth: true },
  { method: "PUT", path: "/ai/llm/:id", auth: true },
  { method: "DELETE", path: "/ai/llm/:id", auth: true },
  { method: "POST", path: "/ai/llm/:id/validate", auth: true },
  { method: "POST", path: "/user/refresh", auth: false },
] as const;

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

/** A header value Node's client accepts: visible ASCII, space, tab and Latin-1 bytes. */
const headerText = (maxLength: number) =>
  fc.string({
    maxLength,
    unit: fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
      { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)) },
    ),
  });

/** How the request authenticates; `invalid` ones must never succeed on an authenticated route. */
type AuthSpec = { header: string | undefined; invalid: boolean; token?: string };
/** Authorization headers that must never be accepted. */
const invalidAuthArb: fc.Arbitrary<AuthSpec> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ header: undefined, invalid: true }) },
  {
    weight: 1,
    arbitrary: headerText(60)
      .filter((t) => t.trim() !== TOKEN && t.trim() !== LIMITED && t.trim() !== "")
      .map((t) => ({ header: `Bearer ${t}`, invalid: true, token: t })),
  },
  {
    weight: 1,
    arbitrary: headerText(80).map((t) => ({ header: t === "" ? undefined : t, invalid: true, token: t })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        `Basic ${Buffer.from(`user:${TOKEN}`).toString("base64")}`,
        `Bearer ${TOKEN}x`,
        `Bearer x${TOKEN}`,
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Bearer ${TOKEN.toUpperCase()}`,
        `Token ${TOKEN}`,
        `Bearer`,
        `Bearer `,
        `${TOKEN}`,
        `Bearer ${TOKEN} extra`,
        `Bearer ${TOKEN},${TOKEN}`,
        `Bearer ${REFRESH}`,
      )
      .map((header) => ({ header, invalid: true })),
  },
);

const authArb: fc.Arbitrary<AuthSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ header: `Bearer ${TOKEN}`, invalid: false }) },
  { weight: 4, arbitrary: fc.constant({ header: `Bearer ${LIMITED}`, invalid: false }) },
  { weight: 5, arbitrary: invalidAuthArb },
  // Spellings a lenient server may accept; neither outcome is asserted beyond the envelope.
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer  ${TOKEN} `, `Bearer\t${TOKEN}`)
      .map((header) => ({ header, invalid: false })),
  },
);

/** A path id: an existing one (by index, resolved after the fixture is made) or something else. */
type IdSpec = { existing: number } | { literal: string };
const idArb: fc.Arbitrary<IdSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 2 }).map((existing) => ({ existing })) },
  { weight: 1, arbitrary: fc.uuid().map((literal) => ({ literal })) },
  {
    weight: 2,
    arbitrary: fc.string({ minLength: 1, maxLength: 30 }).map((s) => ({ literal: encodeURIComponent(s) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .string({ minLength: 1, maxLength: 20, unit: "grapheme" })
      .map((s) => ({ literal: encodeURIComponent(s) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        "%2F",
        "a%2Fb",
        "%2F..%2F..%2Fetc%2Fpasswd",
        "..",
        ".",
        "%2E%2E",
        "%00",
        "%",
        "%E0%A4%A",
        "%ZZ",
        "%C0%AF",
        "%EF%BF%BD",
        "%F0%9F%92%A9",
        "__proto__",
        "constructor",
        "available",
        "stats",
        "*",
      )
      .map((literal) => ({ literal })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("a", "%2F", "%E2%9C%93", "x-"), fc.integer({ min: 200, max: 2000 }))
      .map(([unit, n]) => ({ literal: unit.repeat(n) })),
  },
);

/** A request body, described so it can be built once the fixture's ids exist. */
type BodySpec =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "fitting"; overrides: Record<string, unknown>; refreshToken: unknown }
  | { kind: "create"; overrides: Record<string, unknown> }
  | { kind: "update"; patch: Record<string, unknown> }
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "text"; text: string }
  | { kind: "huge"; extra: number; json: boolean };

const workspaceArb = fc.constantFrom("ws-a", "ws-b", "ws-b", "ws-c", "");
/** Mostly a valid value, sometimes any JSON value at all. */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: fc.jsonValue() });
const createOverrides = fc.record(
  {
    name: mostly(
      fc.oneof(fc.constantFrom("existing-0", "existing-1", "existing-2"), fc.string({ maxLength: 20 })),
    ),
    aiType: mostly(fc.constantFrom("OPENAI", "GOOGLE", "ANTHROPIC", "AWS", "OTHER", "openai")),
    endpoint: mostly(fc.oneof(fc.webUrl(), fc.string({ maxLength: 20 }))),
    secret: mostly(fc.oneof(fc.constant(SECRET), fc.string({ maxLength: 20 }))),
    key: mostly(fc.constant(KEY)),
    workspaceId: mostly(workspaceArb),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const bodyArb: fc.Arbitrary<BodySpec> = fc.oneof(
  // The body the route expects, with some fields wrong: reaches 200, 400 and 403 alike.
  {
    weight: 8,
    arbitrary: fc
      .record({ overrides: createOverrides, refreshToken: mostly(fc.constantFrom(REFRESH, TOKEN, "")) })
      .map(({ overrides, refreshToken }) => ({ kind: "fitting" as const, overrides, refreshToken })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 3, arbitrary: fc.jsonValue().map((value) => ({ kind: "json" as const, value })) },
  { weight: 4, arbitrary: createOverrides.map((overrides) => ({ kind: "create" as const, overrides })) },
  {
    weight: 3,
    arbitrary: createOverrides.map((patch) => ({ kind: "update" as const, patch })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: "bytes" as const, bytes })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 50 }),
        fc.constantFrom("{", '{"name":', "[1,2", "{'a':1}", "undefined", "NaN", '{"a":1}}', "\uFEFF{}"),
      )
      .filter((text) => {
        try {
          JSON.parse(text);
          return false;
        } catch {
          return true;
        }
      })
      .map((text) => ({ kind: "text" as const, text })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ extra: fc.integer({ min: 1, max: 512 * 1024 }), json: fc.boolean() })
      .map(({ extra, json }) => ({ kind: "huge" as const, extra, json })),
  },
);

const contentTypeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      "application/json; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz",
      "application/octet-stream",
      "application/xml",
    ),
  },
  { weight: 1, arbitrary: headerText(40) },
);

/** One generated request, before ids are resolved. */
interface RequestSpec {
  target:
    { kind: "route"; route: number; method: string } | { kind: "unknown"; method: string; path: string };
  id: IdSpec;
  query: string;
  auth: AuthSpec;
  body: BodySpec;
  contentType: string | undefined;
  extraHeaders: Record<string, string>;
}

const unknownPath = fc.oneof(
  fc.constantFrom(
    "/",
    "/ai",
    "/ai/",
    "/AI/LLM",
    "/ai/llm/x/y",
    "/ai/llm/x/validate/y",
    "/ai/llm//validate",
    "/ai/llm/available/x",
    "/user",
    "/user/refresh/x",
    "/user/login",
    "//ai/llm",
    "/ai//llm",
    "/ai/llm/%2F/validate",
    "*",
    "/ai/llm/stats/..",
  ),
  fc
    .array(fc.string({ minLength: 0, maxLength: 12 }).map(encodeURIComponent), { minLength: 1, maxLength: 5 })
    .map((parts) => `/${parts.join("/")}`),
);

const requestArb: fc.Arbitrary<RequestSpec> = fc.record({
  target: fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .record({
          route: fc.nat({ max: ROUTES.length - 1 }),
          // Mostly the route's own method, sometimes another one (405, or another route).
          otherMethod: fc.oneof(
            { weight: 5, arbitrary: fc.constant(null) },
            { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
          ),
        })
        .map(({ route, otherMethod }) => ({
          kind: "route" as const,
          route,
          method: otherMethod ?? ROUTES[route].method,
        })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ method: fc.constantFrom(...METHODS), path: unknownPath })
        // The control API is a test fixture, not part of the API under test.
        .filter(({ path: p }) => !p.startsWith("/_emulator"))
        .map(({ method, path: p }) => ({ kind: "unknown" as const, method, path: p })),
    },
  ),
  id: idArb,
  query: fc.oneof(
    { weight: 4, arbitrary: fc.constant("") },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom("workspaceId", "aiLlmId", "x", ""), fc.string({ maxLength: 20 }))
        .map(([k, v]) => `?${k}=${encodeURIComponent(v)}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom("?", "?%ZZ", "?workspaceId=%E0%A4%A", "?a=1&a=2", "?workspaceId=ws-a"),
    },
  ),
  auth: authArb,
  body: bodyArb,
  contentType: contentTypeArb,
  extraHeaders: fc.dictionary(
    fc.constantFrom("x-random", "accept", "x-forwarded-for", "accept-encoding", "cookie", "origin"),
    headerText(40),
    { maxKeys: 3 },
  ),
});

interface RawAnswer {
  status: number;
  contentType: string | undefined;
  text: string;
}

/** One request with exactly these bytes, on its own connection; rejects if the connection breaks. */
function send(
  url: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method,
        path: target,
        agent: false,
        headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"],
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
    req.on("error", reject);
    req.end(body);
  });
}

/** The route a method and path reach, by the documented table (one trailing slash ignored). */
function matchRoute(method: string, pathname: string): (typeof ROUTES)[number] | undefined {
  const trimmed = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
  const parts = trimmed.split("/");
  // A literal route wins over a parameter one (`/ai/llm/available` is not an id).
  const candidates = ROUTES.filter((r) => r.method === method).sort(
    (a, b) => Number(a.path.includes(":")) - Number(b.path.includes(":")),
  );
  return candidates.find((r) => {
    const pattern = r.path.split("/");
    return (
      pattern.length === parts.length &&
      pattern.every((seg, i) => (seg.startsWith(":") ? parts[i] !== "" : seg === parts[i]))
    );
  });
}

function buildBody(spec: BodySpec, method: string, pathname: string): Buffer | undefined {
  switch (spec.kind) {
    case "none":
      return undefined;
    case "fitting":
      if (pathname === "/user/refresh")
        return Buffer.from(JSON.stringify({ refreshToken: spec.refreshToken }));
      if (method === "PUT") return buildBody({ kind: "update", patch: spec.overrides }, method, pathname);
      if (method === "POST" && pathname === "/ai/llm") {
        return buildBody({ kind: "create", overrides: spec.overrides }, method, pathname);
      }
      return undefined;
    case "json":
      return Buffer.from(JSON.stringify(spec.value) ?? "null");
    case "create":
      return Buffer.from(
        JSON.stringify({
          name: `fuzz-${randomBytes(4).toString("hex")}`,
          aiType: "OPENAI",
          endpoint: "https://api.openai.com/v1",
          secret: SECRET,
          workspaceId: "ws-a",
          ...spec.overrides,
        }),
      );
    case "update":
      return Buffer.from(JSON.stringify(spec.patch));
    case "bytes":
      return Buffer.from(spec.bytes);
    case "text":
      return Buffer.from(spec.text);
    case "huge": {
      const size = MIB + spec.extra;
      if (!spec.json) return randomBytes(size);
      // Valid JSON, only too large: the limit must hold for well-formed bodies too.
      const filler = "a".repeat(size);
      return Buffer.from(
        JSON.stringify({
          name: filler,
          aiType: "OPENAI",
          endpoint: "https://api.openai.com/v1",
          secret: SECRET,
          workspaceId: "ws-a",
        }),
      );
    }
  }
}

describe("robustness: the emulator under arbitrary requests (fast-check)", function () {
  this.timeout(120_000);
  let dir: string;
  let dataFile: string;
  let emu: EmulatorHandle;
  const logLines: string[] = [];

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-fuzz-"));
    dataFile = path.join(dir, "data.json");
    emu = await EmulatorHandle.start({
      dataFile,
      encryptionKey: "fuzz passphrase",
      tokens: [TOKEN, { token: LIMITED, workspaces: ["ws-a"] }],
      refreshTokens: [REFRESH],
      log: (line) => logLines.push(line),
    });
  });
  after(async () => {
    await emu?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Back to three known configurations (two in ws-a, one in ws-b); returns their ids. */
  async function fixture(): Promise<string[]> {
    await emu.reset();
    const ids: string[] = [];
    for (const [i, workspaceId] of ["ws-a", "ws-a", "ws-b"].entries()) {
      const res = await emu.api(
        "POST",
        "/ai/llm",
        {
          name: `existing-${i}`,
          aiType: "OPENAI",
          endpoint: "https://api.openai.com/v1",
          secret: SECRET,
          key: KEY,
          workspaceId,
        },
        TOKEN,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids.push(res.body.aiLlmId as string);
    }
    return ids;
  }

  it("answers every request with a 2xx or a 4xx envelope, and a refused one changes nothing", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArb, async (spec) => {
        const ids = await fixture();
        let method: string;
        let pathname: string;
        if (spec.target.kind === "route") {
          const route = ROUTES[spec.target.route];
          method = spec.target.method;
          const id = "existing" in spec.id ? ids[spec.id.existing] : spec.id.literal;
          pathname = route.path.replace(":id", id);
        } else {
          method = spec.target.method;
          pathname = spec.target.path;
        }
        const target = pathname + spec.query;
        const body = buildBody(spec.body, method, pathname);
        const headers: Record<string, string> = { ...spec.extraHeaders };
        if (spec.auth.header !== undefined) headers.authorization = spec.auth.header;
        if (spec.contentType !== undefined) headers["content-type"] = spec.contentType;

        const stateBefore = JSON.stringify(await emu.state());
        const fileBefore = await fs.readFile(dataFile, "utf8");
        let answer: RawAnswer;
        try {
          answer = await send(emu.url, method, target, headers, body);
        } catch (error) {
          assert.fail(`${method} ${target.slice(0, 120)}: connection failed: ${(error as Error).message}`);
        }
        const label = `${method} ${target.slice(0, 120)} (body ${spec.body.kind}, auth ${String(spec.auth.header).slice(0, 40)}) → ${answer.status} ${answer.text.slice(0, 200)}`;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);

        assert.ok(answer.status < 500, `5xx: ${label}`);
        assert.ok(
          (answer.status >= 200 && answer.status < 300) || (answer.status >= 400 && answer.status < 500),
          `neither 2xx nor 4xx: ${label}`,
        );
        assert.match(answer.contentType ?? "", /^application\/json\b/, `content type: ${label}`);
        let json: { success?: unknown; message?: unknown };
        try {
          json = JSON.parse(answer.text);
        } catch {
          assert.fail(`not JSON: ${label}`);
        }
        assert.equal(typeof json.success, "boolean", `success flag: ${label}`);

        // Nothing secret ever comes back (a token exchange hands back its refresh token, by design).
        const exchanged = answer.status === 200 && pathname === "/user/refresh";
        for (const value of exchanged
          ? [SECRET, KEY, TOKEN, LIMITED]
          : [SECRET, KEY, TOKEN, LIMITED, REFRESH]) {
          assert.ok(!answer.text.includes(value), `answer quotes a credential: ${label}`);
        }
        const sent = spec.auth.token;
        if (sent !== undefined && sent.length >= 8 && !target.includes(sent) && !body?.includes(sent)) {
          assert.ok(!answer.text.includes(sent), `answer quotes the Authorization header: ${label}`);
        }

        if (answer.status >= 400) {
          assert.equal(json.success, false, `error envelope: ${label}`);
          assert.equal(typeof json.message, "string", `error message: ${label}`);
          assert.notEqual((json.message as string).trim(), "", `error message: ${label}`);
          assert.equal(
            JSON.stringify(await emu.state()),
            stateBefore,
            `refused request changed the state: ${label}`,
          );
          assert.equal(
            await fs.readFile(dataFile, "utf8"),
            fileBefore,
            `refused request changed the data file: ${label}`,
          );
        } else {
          // The validate route answers 200 with success:false when the check ran and failed.
          const validate = method === "POST" && pathname.endsWith("/validate");
          if (!validate) assert.equal(json.success, true, `2xx with success:false: ${label}`);
          const reached = matchRoute(method, pathname);
          assert.ok(reached !== undefined, `a request that matches no route succeeded: ${label}`);
          if (reached.auth) assert.ok(!spec.auth.invalid, `succeeded without a valid token: ${label}`);
          assert.ok(!body || body.length <= MIB, `a body over 1 MiB was accepted: ${label}`);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The generators must reach every kind of answer, or the property proves little.
    const seen = [...statuses.keys()].sort();
    for (const status of [200, 400, 401, 403, 404, 405, 413]) {
      assert.ok(statuses.has(status), `status ${status} never seen (seen: ${seen.join(", ")})`);
    }
    // The access log never holds a credential either.
    const log = logLines.join("\n");
    for (const value of [SECRET, KEY, TOKEN, LIMITED, REFRESH]) assert.ok(!log.includes(value));
  });

  it("refuses a valid write without a valid token (401) or outside the token's workspaces (403), changing nothing", async () => {
    /** A write that succeeds with the full token; sent with a wrong or a limited one instead. */
    const writeArb = fc.record({
      op: fc.constantFrom("create", "update", "delete", "validate"),
      // 2 is the configuration in ws-b, which the limited token cannot reach.
      target: fc.nat({ max: 2 }),
      createIn: fc.constantFrom("ws-a", "ws-b"),
      patch: fc.record(
        {
          name: fc
            .string({ minLength: 1, maxLength: 20 })
            .filter((n) => n.trim() !== "" && !n.startsWith("existing-")),
          endpoint: fc.webUrl(),
          secret: fc.constantFrom(SECRET, `sk-other-${randomBytes(4).toString("hex")}`),
          key: fc.constantFrom(KEY, ""),
        },
        { requiredKeys: [] },
      ),
      auth: fc.oneof(
        { weight: 3, arbitrary: invalidAuthArb },
        { weight: 2, arbitrary: fc.constant({ header: `Bearer ${LIMITED}`, invalid: false }) },
      ),
    });
    await fc.assert(
      fc.asyncProperty(writeArb, async ({ op, target, createIn, patch, auth }) => {
        const ids = await fixture();
        const limited = auth.header === `Bearer ${LIMITED}`;
        // The limited token can reach ws-a: aim it at ws-b, where it must be refused.
        const id = ids[limited ? 2 : target];
        const workspaceId = limited ? "ws-b" : createIn;
        const request = {
          create: {
            method: "POST",
            path: "/ai/llm",
            body: {
              name: `new-${randomBytes(4).toString("hex")}`,
              aiType: "OPENAI",
              endpoint: "https://api.openai.com/v1",
              secret: SECRET,
              workspaceId,
            },
          },
          update: { method: "PUT", path: `/ai/llm/${id}`, body: { aiType: "GOOGLE", ...patch } },
          delete: { method: "DELETE", path: `/ai/llm/${id}`, body: undefined },
          validate: { method: "POST", path: `/ai/llm/${id}/validate`, body: undefined },
        }[op];
        const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
        const json = { "content-type": "application/json" };
        const stateBefore = JSON.stringify(await emu.state());
        const fileBefore = await fs.readFile(dataFile, "utf8");
        const headers: Record<string, string> =
          auth.header === undefined ? { ...json } : { ...json, authorization: auth.header };
        const answer = await send(emu.url, request.method, request.path, headers, body);
        const label = `${op} with ${String(auth.header).slice(0, 50)} → ${answer.status} ${answer.text.slice(0, 160)}`;
        assert.equal(answer.status, limited ? 403 : 401, label);
        assert.equal(JSON.parse(answer.text).success, false, label);
        assert.equal(
          JSON.stringify(await emu.state()),
          stateBefore,
          `refused write changed the state: ${label}`,
        );
        assert.equal(
          await fs.readFile(dataFile, "utf8"),
          fileBefore,
          `refused write changed the data file: ${label}`,
        );
        // Control: the very same request with the full token goes through.
        const control = await send(
          emu.url,
          request.method,
          request.path,
          { ...json, authorization: `Bearer ${TOKEN}` },
          body,
        );
        assert.equal(control.status, 200, `control with the full token: ${control.text.slice(0, 160)}`);
      }),
      { seed: SEED + 1, numRuns: 150 },
    );
  });

  it("answers requests the HTTP parser refuses (id over the header limit, raw bytes in the path) with the envelope", async () => {
    const stateBefore = JSON.stringify(await emu.state());
    const cases: Array<{ label: string; method: string; target: string; headers?: Record<string, string> }> =
      [
        { label: "a 20 000-character id", method: "DELETE", target: `/ai/llm/${"a".repeat(20_000)}` },
        {
          label: "an 8 KiB id, encoded unicode",
          method: "PUT",
          target: `/ai/llm/${"%E2%9C%93".repeat(1000)}`,
        },
        {
          label: "a 20 KiB Authorization header",
          method: "GET",
          target: "/ai/llm",
          headers: { authorization: `Bearer ${"x".repeat(20_000)}` },
        },
        {
          label: "raw UTF-8 bytes in the id",
          method: "DELETE",
          target: `/ai/llm/${Buffer.from("héllo-✓", "utf8").toString("latin1")}`,
        },
      ];
    const problems: string[] = [];
    for (const c of cases) {
      let answer: RawAnswer;
      try {
        answer = await send(
          emu.url,
          c.method,
          c.target,
          { authorization: `Bearer ${TOKEN}`, ...c.headers },
          undefined,
        );
      } catch (error) {
        problems.push(`${c.label}: connection failed (${(error as Error).message})`);
        continue;
      }
      if (answer.status < 400 || answer.status >= 500) {
        problems.push(`${c.label}: status ${answer.status}`);
        continue;
      }
      let json: { success?: unknown; message?: unknown } | undefined;
      try {
        json = JSON.parse(answer.text);
      } catch {
        json = undefined;
      }
      if (json?.success !== false || typeof json.message !== "string") {
        problems.push(
          `${c.label}: ${answer.status} without the {success:false, message} envelope (body ${JSON.stringify(answer.text.slice(0, 80))})`,
        );
      }
    }
    assert.equal(JSON.stringify(await emu.state()), stateBefore);
    assert.deepEqual(problems, []);
  });
});
