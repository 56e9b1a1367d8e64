/** Shared bits of the client tests: a fast client against a scripted server, and error capture. */
import assert from "node:assert/strict";
import {
  FlashbackClient,
  isFlashbackError,
  type AttemptEvent,
  type FlashbackClientOptions,
  type FlashbackError,
} from "../../src/client";

/** A configuration as the API lists it. */
export const CONFIG = {
  id: "cfg-1",
  orgId: "org-1",
  workspaceId: "ws-1",
  userId: "user-1",
  name: "My OpenAI",
  aiType: "OPENAI",
  endpoint: "https://api.openai.com/v1",
  key: null,
  createdAt: "2024-01-15T10:30:00.000Z",
  repos: [],
};

/** A client tuned for tests (tiny delays), recording every attempt. */
export function testClient(
  baseUrl: string,
  overrides: Partial<FlashbackClientOptions> = {},
): { client: FlashbackClient; events: AttemptEvent[] } {
  const events: AttemptEvent[] = [];
  const client = new FlashbackClient({
    baseUrl,
    accessToken: "test-token",
    requestTimeoutMs: 2_000,
    deadlineMs: 10_000,
    maxRetries: 4,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    maxRetryAfterMs: 2_000,
    onAttempt: (e) => events.push(e),
    ...overrides,
  });
  return { client, events };
}

/** Awaits a promise that must reject with a FlashbackError, and returns that error. */
export async function flashbackFailure(promise: Promise<unknown>): Promise<FlashbackError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isFlashbackError(error), `expected a FlashbackError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the call to fail");
}
