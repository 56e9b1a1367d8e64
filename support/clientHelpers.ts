/** Shared bits of the client tests: a fast client against a scripted server, and error capture. */
import assert from "node:assert/strict";
import {
  FlashbackClient,
  isFlashbackError,
  type AttemptEvent,
  type Clock,
  type FlashbackClientOptions,
  type FlashbackError,
} from "../src/client";

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

/**
 * A clock that moves only when told to or when the client sleeps, which then returns at
 * once: retries, deadlines and token expiry are decided on it without waiting, and the
 * tests assert exact delays instead of elapsed wall time. Starts at the real time, so
 * that `expiresAt` values built from `Date.now()` keep their meaning.
 */
export class FakeClock implements Clock {
  private time = Date.now();
  /** Every delay the client slept, in order. */
  readonly sleeps: number[] = [];

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }

  /** Moves the clock on by `ms`. */
  advance(ms: number): void {
    this.time += ms;
  }
}
