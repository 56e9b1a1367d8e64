import type { AiLlmConfiguration } from "../schemas";

/**
 * Fetches every item of one workspace in one call: configurations (`GET /ai/llm?workspaceId=`)
 * or stored provider keys (`GET /apikeys?workspaceId=`).
 */
export type WorkspaceLister<T = AiLlmConfiguration> = (workspaceId: string) => Promise<T[]>;

/** Tuning of {@link WorkspaceListCache}. */
export interface WorkspaceListCacheOptions {
  /** How long a settled list may serve later reads. Default 10 s. */
  ttlMs?: number;
  /** How long a new list waits for more callers to join it before it is sent. Default 10 ms. */
  gatherMs?: number;
  /**
   * Longest time a list waits for the creates in flight in its workspace to finish, so
   * that one list reads back a whole batch of creates. Default 2 s.
   */
  maxHoldMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Entry<T> {
  result: Promise<T[]>;
  /** When the request was sent; undefined while it is still gathering callers. */
  sentAt?: number;
  /** When the answer arrived; undefined while in flight. */
  settledAt?: number;
}

/**
 * Shares list results between the calls of one provider process; `T` is what the
 * workspace's list holds (configurations by default, or stored provider keys).
 *
 * There is no single-item read in the API, so a refresh of N configurations
 * would otherwise list the workspace N times (N requests of N items each).
 * Callers join a request that is gathering or in flight, and a settled result is
 * reused for a short while. That never hides a change made before the operation
 * began: the engine starts a provider process per operation, so every list held
 * here was fetched after the operation started. Writes made through this process
 * call {@link invalidate}, and a caller that needs to see its own write asks
 * {@link listSentAfter} for a list sent after it.
 */
export class WorkspaceListCache<T = AiLlmConfiguration> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Creates in flight per workspace (see {@link holdForCreate}). */
  private readonly creating = new Map<string, number>();
  /** Lists waiting for their workspace to have no create in flight. */
  private readonly waitingForIdle = new Map<string, Array<() => void>>();
  private readonly maxHoldMs: number;
  private readonly ttlMs: number;
  private readonly gatherMs: number;
  private readonly now: () => number;

  constructor(
    private readonly lister: WorkspaceLister<T>,
    options: WorkspaceListCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.gatherMs = options.gatherMs ?? 10;
    this.maxHoldMs = options.maxHoldMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  /** The configurations of `workspaceId`, from a shared, recent or fresh list call. */
  list(workspaceId: string): Promise<T[]> {
    const entry = this.entries.get(workspaceId);
    if (entry && (entry.settledAt === undefined || this.now() - entry.settledAt < this.ttlMs)) {
      return entry.result;
    }
    return this.start(workspaceId);
  }

  /** The configurations of `workspaceId` from a list call sent at or after `since` (epoch ms). */
  listSentAfter(workspaceId: string, since: number): Promise<T[]> {
    const entry = this.entries.get(workspaceId);
    if (entry && (entry.sentAt === undefined || entry.sentAt >= since)) {
      return entry.result;
    }
    return this.start(workspaceId);
  }

  /**
   * Forgets what is known of `workspaceId`, after this process changed it. A list
   * still gathering callers is kept: it is sent after the write, so it sees it,
   * and concurrent creates keep sharing it instead of each starting their own.
   */
  invalidate(workspaceId: string): void {
    if (this.entries.get(workspaceId)?.sentAt !== undefined) this.entries.delete(workspaceId);
  }

  /**
   * Marks a create in flight in `workspaceId` until the returned function is called.
   * A list waits, up to `maxHoldMs`, until the workspace has none: the engine runs
   * creates side by side (16 at a time by default) and each reads its own back, so
   * holding the list until the last of a batch has landed makes one list serve the
   * whole batch, about N/16 lists of N creates instead of one list per create.
   */
  holdForCreate(workspaceId: string): () => void {
    this.creating.set(workspaceId, (this.creating.get(workspaceId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.creating.get(workspaceId) ?? 1) - 1;
      if (left > 0) {
        this.creating.set(workspaceId, left);
        return;
      }
      this.creating.delete(workspaceId);
      for (const wake of this.waitingForIdle.get(workspaceId) ?? []) wake();
      this.waitingForIdle.delete(workspaceId);
    };
  }

  /** Resolves when no create is in flight in `workspaceId`, or after `maxHoldMs`. */
  private untilNoCreateInFlight(workspaceId: string): Promise<void> {
    if (!this.creating.has(workspaceId)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.maxHoldMs);
      const waiting = this.waitingForIdle.get(workspaceId) ?? [];
      waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.waitingForIdle.set(workspaceId, waiting);
    });
  }

  private start(workspaceId: string): Promise<T[]> {
    const entry = {} as Entry<T>;
    entry.result = this.delay().then(async () => {
      await this.untilNoCreateInFlight(workspaceId);
      entry.sentAt = this.now();
      return this.lister(workspaceId);
    });
    this.entries.set(workspaceId, entry);
    entry.result.then(
      () => {
        entry.settledAt = this.now();
      },
      () => {
        // A failed list must not be served to the next caller.
        if (this.entries.get(workspaceId) === entry) this.entries.delete(workspaceId);
      },
    );
    return entry.result;
  }

  private delay(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.gatherMs));
  }
}
