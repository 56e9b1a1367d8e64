import { retryDelayMs } from "../client/retry";

/** The backoff of the name lookups: the client's delay policy, from 250 ms up to 2 s. */
const LOOKUP_BACKOFF = { baseDelayMs: 250, maxDelayMs: 2_000, maxRetryAfterMs: 0 } as const;

/**
 * Looks for a create that may still land on the server (its answer was lost): asks
 * `find` again and again, pausing as the client does between retries, until it finds
 * something or the window closes. The last look is at the deadline itself, not one
 * pause before it.
 */
export async function waitForLanding<T>(
  find: () => Promise<T | undefined>,
  windowMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + windowMs;
  for (let attempt = 1; ; attempt++) {
    const found = await find();
    const left = deadline - Date.now();
    if (found !== undefined || left <= 0) return found;
    const pause = retryDelayMs({ ...LOOKUP_BACKOFF, attempt });
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}

/** How many times a create whose answer keeps being lost is sent in all. */
export const MAX_LOST_CREATE_ROUNDS = 3;
