import assert from "node:assert/strict";
import {
  FlashbackBadRequestError,
  FlashbackBadResponseError,
  FlashbackError,
  FlashbackForbiddenError,
  FlashbackNetworkError,
  FlashbackNotFoundError,
  FlashbackOutcomeUnknownError,
  FlashbackRateLimitedError,
  FlashbackServerError,
  FlashbackTimeoutError,
  FlashbackUnauthorizedError,
  isFlashbackError,
  type FlashbackErrorCode,
} from "../../src/client";
import { codeForStatus } from "../../src/client/errors";

const init = { message: "m", method: "GET", path: "/ai/llm" };

const CLASSES: Array<[new (i: typeof init) => FlashbackError, FlashbackErrorCode, string]> = [
  [FlashbackBadRequestError, "BAD_REQUEST", "FlashbackBadRequestError"],
  [FlashbackUnauthorizedError, "UNAUTHORIZED", "FlashbackUnauthorizedError"],
  [FlashbackForbiddenError, "FORBIDDEN", "FlashbackForbiddenError"],
  [FlashbackNotFoundError, "NOT_FOUND", "FlashbackNotFoundError"],
  [FlashbackRateLimitedError, "RATE_LIMITED", "FlashbackRateLimitedError"],
  [FlashbackServerError, "SERVER_ERROR", "FlashbackServerError"],
  [FlashbackNetworkError, "NETWORK", "FlashbackNetworkError"],
  [FlashbackTimeoutError, "TIMEOUT", "FlashbackTimeoutError"],
  [FlashbackOutcomeUnknownError, "OUTCOME_UNKNOWN", "FlashbackOutcomeUnknownError"],
  [FlashbackBadResponseError, "BAD_RESPONSE", "FlashbackBadResponseError"],
];

/** A second copy of the errors module, as a duplicate install of the package would load. */
function loadDuplicateCopy(): typeof import("../../src/client/errors") {
  const resolved = require.resolve("../../src/client/errors");
  const original = require.cache[resolved];
  delete require.cache[resolved];
  try {
    return require("../../src/client/errors") as typeof import("../../src/client/errors");
  } finally {
    if (original) require.cache[resolved] = original;
  }
}

describe("client errors", () => {
  for (const [Class, code, name] of CLASSES) {
    it(`${name} has code ${code} and is an Error and a FlashbackError`, () => {
      const error = new Class(init);
      assert.equal(error.code, code);
      assert.equal(error.name, name);
      assert.ok(error instanceof Error);
      assert.ok(error instanceof FlashbackError);
      assert.ok(error instanceof Class);
      assert.ok(isFlashbackError(error));
      assert.match(String(error.stack), new RegExp(`^${name}: m`));
      for (const [Other, otherCode] of CLASSES) {
        if (otherCode !== code) assert.ok(!(error instanceof Other), `${name} instanceof ${otherCode}`);
      }
    });
  }

  it("instanceof and isFlashbackError work across duplicate copies of the package", () => {
    const copy = loadDuplicateCopy();
    assert.notEqual(copy.FlashbackNotFoundError, FlashbackNotFoundError);
    const foreign = new copy.FlashbackNotFoundError(init);
    assert.ok(foreign instanceof FlashbackNotFoundError);
    assert.ok(foreign instanceof FlashbackError);
    assert.ok(!(foreign instanceof FlashbackForbiddenError));
    assert.ok(isFlashbackError(foreign));
    const local = new FlashbackOutcomeUnknownError(init);
    assert.ok(local instanceof copy.FlashbackOutcomeUnknownError);
    assert.ok(copy.isFlashbackError(local));
  });

  it("plain errors and look-alikes are not Flashback errors", () => {
    assert.ok(!isFlashbackError(new Error("x")));
    assert.ok(!isFlashbackError({ code: "NOT_FOUND", message: "x" }));
    assert.ok(!isFlashbackError(null));
    assert.ok(!(new Error("x") instanceof FlashbackError));
    assert.ok(!({ code: "NOT_FOUND" } instanceof FlashbackNotFoundError));
  });

  it("a caller's own subclass keeps prototype semantics", () => {
    class MyError extends FlashbackNotFoundError {}
    assert.ok(new MyError(init) instanceof MyError);
    assert.ok(!(new FlashbackNotFoundError(init) instanceof MyError));
  });

  it("only known fields are serialized", () => {
    const error = new FlashbackRateLimitedError({
      ...init,
      status: 429,
      retryAfterMs: 1000,
      apiMessage: "slow",
    });
    assert.deepEqual(JSON.parse(JSON.stringify(error)), {
      name: "FlashbackRateLimitedError",
      code: "RATE_LIMITED",
      method: "GET",
      path: "/ai/llm",
      status: 429,
      apiMessage: "slow",
      retryAfterMs: 1000,
    });
    assert.deepEqual(Object.keys(new FlashbackNetworkError(init)).sort(), ["code", "method", "name", "path"]);
  });

  it("maps statuses to codes", () => {
    const table: Array<[number, FlashbackErrorCode]> = [
      [400, "BAD_REQUEST"],
      [401, "UNAUTHORIZED"],
      [403, "FORBIDDEN"],
      [404, "NOT_FOUND"],
      [409, "BAD_REQUEST"],
      [422, "BAD_REQUEST"],
      [429, "RATE_LIMITED"],
      [500, "SERVER_ERROR"],
      [503, "SERVER_ERROR"],
      [599, "SERVER_ERROR"],
      [302, "BAD_RESPONSE"],
    ];
    for (const [status, code] of table) assert.equal(codeForStatus(status), code, String(status));
  });
});
