const WINDOW_MS = 1000;

/**
 * Per-credential request limit over a sliding one-second window. Sliding rather than
 * fixed windows, so that N+1 requests sent back to back are refused wherever the clock's
 * second boundary happens to fall: tests can rely on it.
 */
export class RateLimiter {
  readonly #initial: number | null;
  #limit: number | null;
  readonly #hits = new Map<string, number[]>();

  /** @param limitPerSecond - Requests allowed per key per second; null turns limiting off. */
  constructor(limitPerSecond: number | null) {
    this.#initial = limitPerSecond;
    this.#limit = limitPerSecond;
  }

  /** The current limit, or null when off. */
  get limit(): number | null {
    return this.#limit;
  }

  /** Changes the limit (null: off); counts so far are kept. */
  set limit(limitPerSecond: number | null) {
    this.#limit = limitPerSecond;
  }

  /**
   * Counts one request for `key`. Returns undefined when it is allowed, otherwise the
   * whole seconds (at least 1) to put in `Retry-After`. Refused requests are not counted,
   * so a client that waits as told gets through.
   */
  take(key: string, now: number = Date.now()): number | undefined {
    if (this.#limit === null) return undefined;
    const recent = (this.#hits.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    if (recent.length >= this.#limit) {
      this.#hits.set(key, recent);
      return Math.max(1, Math.ceil((recent[0] + WINDOW_MS - now) / 1000));
    }
    recent.push(now);
    this.#hits.set(key, recent);
    return undefined;
  }

  /** Forgets all counts and restores the start-up limit. */
  reset(): void {
    this.#hits.clear();
    this.#limit = this.#initial;
  }
}
