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
   * Longest time a read-back list ({@link WorkspaceListCache.listSentAfter}) gathers the
   * creates of its workspace before it is sent, so that one list reads back many. Default 400 ms.
   */
  readBackWindowMs?: number;
  /**
   * A read-back list goes out sooner once no create of its workspace is in flight and
   * none has landed for this long: the batch is over. Default 60 ms.
   */
  quietMs?: number;
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
  /** When the last create of each workspace landed. */
  private readonly lastLanded = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly gatherMs: number;
  private readonly readBackWindowMs: number;
  private readonly quietMs: number;
  private readonly now: () => number;

  constructor(
    private readonly lister: WorkspaceLister<T>,
    options: WorkspaceListCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.gatherMs = options.gatherMs ?? 10;
    this.readBackWindowMs = options.readBackWindowMs ?? 250;
    this.quietMs = options.quietMs ?? 20;
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
    return this.start(workspaceId, () => this.untilBatchIsOver(workspaceId));
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
   * Each create reads its configuration back with a list of the whole workspace; the
   * engine starts creates one after another (about 30 a second), so a read-back list
   * gathers for up to `readBackWindowMs`, or until the workspace is quiet (no create in
   * flight, none landed for `quietMs`), and serves every create that landed meanwhile:
   * a few lists for a whole up instead of one per create, each of up to N items.
   */
  holdForCreate(workspaceId: string): () => void {
    this.creating.set(workspaceId, (this.creating.get(workspaceId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.lastLanded.set(workspaceId, this.now());
      const left = (this.creating.get(workspaceId) ?? 1) - 1;
      if (left > 0) this.creating.set(workspaceId, left);
      else this.creating.delete(workspaceId);
    };
  }

  /** Resolves when the workspace's batch of creates is over, or the read-back window has passed. */
  private async untilBatchIsOver(workspaceId: string): Promise<void> {
    const started = this.now();
    const step = Math.max(5, Math.min(20, this.quietMs / 3));
    for (;;) {
      const now = this.now();
      const quiet =
        !this.creating.has(workspaceId) && now - (this.lastLanded.get(workspaceId) ?? 0) >= this.quietMs;
      if (quiet || now - started >= this.readBackWindowMs) return;
      await new Promise((resolve) => setTimeout(resolve, step));
    }
  }

  private start(workspaceId: string, gather: () => Promise<void> = () => this.delay()): Promise<T[]> {
    const entry = {} as Entry<T>;
    entry.result = gather().then(async () => {
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
