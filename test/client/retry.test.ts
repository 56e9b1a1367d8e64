import assert from "node:assert/strict";
import {
  decideAfterFailure,
  outcomeUnknown,
  parseRetryAfterMs,
  retryDelayMs,
  shouldRetry,
  type FailedAttempt,
} from "../../src/client";

/* Each call says whether it is idempotent; these are the client's calls and what they say. */
const CREATE = { what: "POST /ai/llm", idempotent: false };
const VALIDATE = { what: "POST /ai/llm/abc/validate", idempotent: true };
const SAFE = [
  { what: "GET /ai/llm", idempotent: true },
  { what: "GET /ai/llm/available", idempotent: true },
  { what: "GET /ai/llm/stats", idempotent: true },
  { what: "PUT /ai/llm/abc", idempotent: true },
  { what: "DELETE /ai/llm/abc", idempotent: true },
  VALIDATE,
  { what: "POST /user/refresh", idempotent: true },
];
const GET = { idempotent: true };

/** A failed attempt of an idempotent call with a comfortable deadline, changed by `over`. */
function failed(over: Partial<FailedAttempt>): FailedAttempt {
  return {
    idempotent: true,
    attempt: 1,
    maxRetries: 4,
    canRefreshToken: false,
    msLeft: 60_000,
    delay: { baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000, random: () => 1 },
    ...over,
  };
}

describe("client retry policy", () => {
  describe("decideAfterFailure: one decision per failed attempt", () => {
    // [case, attempt, expected decision]
    const table: Array<[string, Partial<FailedAttempt>, ReturnType<typeof decideAfterFailure>]> = [
      [
        "401 with a refresh token at hand",
        { status: 401, canRefreshToken: true },
        { action: "refresh-and-resend" },
      ],
      ["401 once refreshed already (or without one)", { status: 401 }, { action: "fail" }],
      [
        "401 on a create with a refresh token",
        { status: 401, idempotent: false, canRefreshToken: true },
        { action: "refresh-and-resend" },
      ],
      [
        "a 2xx body too large",
        { bodyTooLarge: true, errorCode: "FLASHBACK_BODY_TOO_LARGE" },
        { action: "fail", reason: "body-too-large" },
      ],
      [
        "a create whose connection broke after sending",
        { idempotent: false, errorCode: "ECONNRESET" },
        { action: "outcome-unknown" },
      ],
      ["a create answered 500", { idempotent: false, status: 500 }, { action: "outcome-unknown" }],
      [
        "a create refused before sending",
        { idempotent: false, errorCode: "ECONNREFUSED" },
        { action: "retry", delayMs: 100 },
      ],
      ["a read answered 503, first failure", { status: 503 }, { action: "retry", delayMs: 100 }],
      ["a read answered 503, third failure", { status: 503, attempt: 3 }, { action: "retry", delayMs: 400 }],
      [
        "a read answered 429 with Retry-After: 2",
        { status: 429, retryAfter: "2" },
        { action: "retry", delayMs: 2_000 },
      ],
      ["a read answered 404", { status: 404 }, { action: "fail" }],
      ["a read whose budget is spent", { status: 503, attempt: 5 }, { action: "fail" }],
      [
        "a retry that would end past the deadline",
        { status: 503, msLeft: 50 },
        { action: "fail", reason: "past-deadline" },
      ],
    ];
    for (const [title, over, expected] of table) {
      it(`${title} → ${expected.action}${"reason" in expected && expected.reason ? ` (${expected.reason})` : ""}`, () =>
        assert.deepEqual(decideAfterFailure(failed(over)), expected));
    }
  });

  describe("shouldRetry by status", () => {
    // [status, safe requests retried?, create retried?]
    const table: Array<[number, boolean, boolean]> = [
      [400, false, false],
      [401, false, false],
      [403, false, false],
      [404, false, false],
      [409, false, false],
      [422, false, false],
      [429, true, true],
      [500, true, false],
      [501, false, false],
      [502, true, false],
      [503, true, true],
      [504, true, false],
    ];
    for (const [status, safeRetried, createRetried] of table) {
      for (const request of SAFE) {
        it(`${status} on ${request.what} → ${safeRetried}`, () =>
          assert.equal(shouldRetry({ ...request, attempt: 1, maxRetries: 4, status }), safeRetried));
      }
      it(`${status} on create → ${createRetried}`, () =>
        assert.equal(shouldRetry({ ...CREATE, attempt: 1, maxRetries: 4, status }), createRetried));
    }
  });

  describe("shouldRetry by connection error", () => {
    // [code, safe retried?, create retried?]
    const table: Array<[string, boolean, boolean]> = [
      ["ECONNREFUSED", true, true],
      ["ENOTFOUND", true, true],
      ["EAI_AGAIN", true, true],
      ["UND_ERR_CONNECT_TIMEOUT", true, true],
      ["ECONNRESET", true, false],
      ["EPIPE", true, false],
      ["UND_ERR_SOCKET", true, false],
      ["UND_ERR_HEADERS_TIMEOUT", true, false],
      ["UND_ERR_BODY_TIMEOUT", true, false],
      ["UND_ERR_CLOSED", false, false],
      ["UND_ERR_INVALID_ARG", false, false],
      ["FLASHBACK_DEADLINE", false, false],
      ["UNKNOWN", false, false],
    ];
    for (const [errorCode, safeRetried, createRetried] of table) {
      it(`${errorCode}: GET ${safeRetried}, validate ${safeRetried}, create ${createRetried}`, () => {
        assert.equal(shouldRetry({ ...GET, attempt: 1, maxRetries: 4, errorCode }), safeRetried);
        assert.equal(shouldRetry({ ...VALIDATE, attempt: 1, maxRetries: 4, errorCode }), safeRetried);
        assert.equal(shouldRetry({ ...CREATE, attempt: 1, maxRetries: 4, errorCode }), createRetried);
      });
    }
  });

  describe("shouldRetry stops at maxRetries", () => {
    const table: Array<[number, number, boolean]> = [
      // [attempt that failed, maxRetries, retried?]
      [1, 0, false],
      [1, 1, true],
      [2, 1, false],
      [4, 4, true],
      [5, 4, false],
      [9, 4, false],
    ];
    for (const [attempt, maxRetries, expected] of table) {
      it(`attempt ${attempt} of maxRetries ${maxRetries} → ${expected}`, () => {
        assert.equal(shouldRetry({ ...GET, attempt, maxRetries, status: 503 }), expected);
        assert.equal(shouldRetry({ ...GET, attempt, maxRetries, errorCode: "ECONNRESET" }), expected);
        assert.equal(shouldRetry({ ...CREATE, attempt, maxRetries, status: 429 }), expected);
      });
    }
    it("no status and no error code is not retried", () =>
      assert.equal(shouldRetry({ ...GET, attempt: 1, maxRetries: 4 }), false));
  });

  describe("outcomeUnknown", () => {
    // [status or error code, create's outcome unknown?]
    const table: Array<[number | string, boolean]> = [
      [400, false],
      [401, false],
      [403, false],
      [429, false],
      [500, true],
      [502, true],
      [503, false],
      [504, true],
      ["ECONNREFUSED", false],
      ["ENOTFOUND", false],
      ["UND_ERR_CONNECT_TIMEOUT", false],
      ["UND_ERR_CLOSED", false],
      ["ECONNRESET", true],
      ["UND_ERR_SOCKET", true],
      ["UND_ERR_HEADERS_TIMEOUT", true],
      ["UND_ERR_BODY_TIMEOUT", true],
      ["FLASHBACK_DEADLINE", true],
      ["UNKNOWN", true],
    ];
    for (const [failure, expected] of table) {
      it(`${failure}: create ${expected ? "may have been applied" : "was not applied"}; safe requests never unknown`, () => {
        const input = typeof failure === "number" ? { status: failure } : { errorCode: failure };
        assert.equal(outcomeUnknown({ ...CREATE, ...input }), expected);
        for (const request of SAFE) assert.equal(outcomeUnknown({ ...request, ...input }), false);
      });
    }
  });

  describe("retryDelayMs", () => {
    const base = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };

    it("is exponential, capped, with no jitter at random = 1 - ε", () => {
      const top = () => 0.999999;
      const delays = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs({ ...base, attempt, random: top }));
      assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    });

    it("jitters down to half the delay at random = 0, floored at base", () => {
      const low = () => 0;
      const delays = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs({ ...base, attempt, random: low }));
      assert.deepEqual(delays, [100, 100, 200, 400, 500]);
    });

    it("stays within 50-100 % of the exponential delay for any random value", () => {
      for (let attempt = 1; attempt <= 8; attempt++) {
        const exponential = Math.min(1000, 100 * 2 ** (attempt - 1));
        for (const r of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.9999]) {
          const d = retryDelayMs({ ...base, attempt, random: () => r });
          assert.ok(
            d >= Math.max(100, exponential / 2) && d <= exponential,
            `attempt ${attempt} r ${r}: ${d}`,
          );
        }
      }
    });

    it("honours Retry-After in seconds, without jitter", () => {
      assert.equal(retryDelayMs({ ...base, attempt: 1, retryAfter: "1", random: () => 0 }), 1000);
      assert.equal(retryDelayMs({ ...base, attempt: 3, retryAfter: "0" }), 0);
      assert.equal(retryDelayMs({ ...base, attempt: 1, retryAfter: " 2 " }), 2000);
    });

    it("honours Retry-After as an HTTP date", () => {
      const now = Date.parse("2025-01-01T00:00:00Z");
      const retryAfter = new Date(now + 7_000).toUTCString();
      assert.equal(retryDelayMs({ ...base, attempt: 1, retryAfter, now: () => now }), 7000);
      const past = new Date(now - 7_000).toUTCString();
      assert.equal(retryDelayMs({ ...base, attempt: 1, retryAfter: past, now: () => now }), 0);
    });

    it("caps Retry-After at maxRetryAfterMs", () => {
      assert.equal(retryDelayMs({ ...base, maxRetryAfterMs: 5_000, attempt: 1, retryAfter: "3600" }), 5000);
      const now = Date.now();
      const far = new Date(now + 86_400_000).toUTCString();
      assert.equal(
        retryDelayMs({ ...base, maxRetryAfterMs: 5_000, attempt: 1, retryAfter: far, now: () => now }),
        5000,
      );
    });

    it("falls back to backoff for an unreadable Retry-After", () => {
      for (const retryAfter of ["soon", "", "-1", null, undefined]) {
        assert.equal(retryDelayMs({ ...base, attempt: 2, retryAfter, random: () => 0.999999 }), 200);
      }
    });

    it("parseRetryAfterMs reads seconds and dates", () => {
      assert.equal(parseRetryAfterMs("5"), 5000);
      assert.equal(parseRetryAfterMs("1.5"), 1500);
      assert.equal(parseRetryAfterMs("Thu, 01 Jan 1970 00:00:10 GMT", 0), 10_000);
      assert.equal(parseRetryAfterMs("nonsense"), undefined);
      assert.equal(parseRetryAfterMs(undefined), undefined);
    });
  });
});
