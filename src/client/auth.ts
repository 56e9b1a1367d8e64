/**
 * The access-token manager: hands out a bearer token, exchanging the refresh token for a new
 * one when there is none, when it is about to expire, or after a 401. Tokens live in memory
 * only; concurrent callers share one in-flight refresh.
 * @packageDocumentation
 */
import { expiresAtToEpochMs, type RefreshResponse } from "../schemas";

/** Renew at the latest this long before expiry (or at a quarter of the lifetime, if shorter). */
const RENEW_MARGIN_MS = 60_000;

/** Exchanges a refresh token at `POST /user/refresh`, within the given epoch-ms deadline. */
export type RefreshExchange = (refreshToken: string, deadline: number) => Promise<RefreshResponse>;

/** Options of {@link TokenManager}. */
export interface TokenManagerOptions {
  /** A ready access token (its expiry is unknown, so it is used until a 401). */
  accessToken?: string;
  /** A refresh token, exchanged when needed. */
  refreshToken?: string;
  /** Performs the exchange; the client passes its own request machinery. */
  exchange: RefreshExchange;
  /** Clock, for tests; default Date.now. */
  now?: () => number;
}

/** Holds the current credentials and renews them; never logs or exposes them in messages. */
export class TokenManager {
  private accessToken: string | undefined;
  private refreshToken: string | undefined;
  private obtainedAt: number | undefined;
  private expiresAt: number | undefined;
  private inflight: Promise<string> | undefined;
  private readonly exchange: RefreshExchange;
  private readonly now: () => number;
  // Every credential ever held: a server may echo an old one, and it must be redacted too.
  private readonly seen = new Set<string>();

  /** @param options - see {@link TokenManagerOptions} */
  constructor(options: TokenManagerOptions) {
    this.accessToken = nonEmpty(options.accessToken);
    this.refreshToken = nonEmpty(options.refreshToken);
    this.exchange = options.exchange;
    this.now = options.now ?? Date.now;
    this.remember(this.accessToken);
    this.remember(this.refreshToken);
  }

  /** True when a refresh token is configured (or was rotated in). */
  get canRefresh(): boolean {
    return this.refreshToken !== undefined;
  }

  /** Every credential held so far, for redaction. */
  credentials(): string[] {
    return [...this.seen];
  }

  /**
   * A token to send now: the cached one while it has enough life left, otherwise a fresh one
   * from the refresh token (shared with any refresh already in flight).
   */
  async token(deadline: number): Promise<string> {
    if (this.inflight) return this.inflight;
    if (this.accessToken !== undefined && !this.needsRenewal()) return this.accessToken;
    if (this.refreshToken === undefined) {
      if (this.accessToken !== undefined) return this.accessToken;
      throw new Error("no Flashback credential is configured");
    }
    return this.refresh(deadline);
  }

  /**
   * A token to resend with after `rejected` got a 401. If another call has already replaced
   * it, that newer token is used without a second refresh.
   */
  async tokenAfterRejection(rejected: string, deadline: number): Promise<string> {
    if (this.inflight) return this.inflight;
    if (this.accessToken !== undefined && this.accessToken !== rejected && !this.needsRenewal()) {
      return this.accessToken;
    }
    return this.refresh(deadline);
  }

  /** Exchanges the refresh token now; concurrent callers share one exchange. */
  refresh(deadline: number): Promise<string> {
    if (!this.inflight) {
      const flight = this.doRefresh(deadline);
      this.inflight = flight;
      // Cleared whatever the outcome, so a failed refresh is retried by the next call.
      const clear = (): void => {
        if (this.inflight === flight) this.inflight = undefined;
      };
      flight.then(clear, clear);
    }
    return this.inflight;
  }

  /** True when the cached token's remaining life is below min(60 s, a quarter of its lifetime). */
  private needsRenewal(): boolean {
    if (this.expiresAt === undefined || this.obtainedAt === undefined) return false;
    const remaining = this.expiresAt - this.now();
    const lifetime = this.expiresAt - this.obtainedAt;
    return remaining < Math.min(RENEW_MARGIN_MS, lifetime / 4);
  }

  private async doRefresh(deadline: number): Promise<string> {
    const refreshToken = this.refreshToken;
    if (refreshToken === undefined) throw new Error("no refresh token is configured");
    const obtainedAt = this.now();
    const answer = await this.exchange(refreshToken, deadline);
    this.remember(answer.accessToken);
    this.accessToken = answer.accessToken;
    this.obtainedAt = obtainedAt;
    this.expiresAt = answer.expiresAt === undefined ? undefined : expiresAtToEpochMs(answer.expiresAt);
    const rotated = nonEmpty(answer.refreshToken);
    if (rotated !== undefined) {
      this.remember(rotated);
      this.refreshToken = rotated;
    }
    return answer.accessToken;
  }

  private remember(value: string | undefined): void {
    if (value !== undefined) this.seen.add(value);
  }
}

/** Undefined for undefined, empty or blank strings: an empty setting is no setting. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
