import type { FaultAction } from "./faults";

/**
 * One API request as `GET /_emulator/requests` shows it. Deliberately thin: no headers,
 * no bodies, no tokens, so a test can print the log without leaking credentials.
 */
export interface RequestLogEntry {
  /** Arrival order, from 1 after each reset or clear. */
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** The raw query string with its leading "?", or "". */
  query: string;
  /** Status sent; 0 when no response was written (dropped connection, client gone). */
  status: number;
  /** The injected fault that hit the request, if any. */
  fault?: FaultAction;
  /** ISO 8601 arrival time. */
  at: string;
}

/** Entries kept at most; the oldest go first, so a long-running emulator does not grow without bound. */
const MAX_ENTRIES = 10_000;

/** The log of API requests (not control requests), in arrival order. */
export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #nextSeq = 1;

  /**
   * Numbers a request as it arrives. The entry is added by {@link RequestLog.finish}, once
   * its status is known, so the log never shows a request half done.
   */
  begin(method: string, path: string, query: string): RequestLogEntry {
    return { seq: this.#nextSeq++, method, path, query, status: 0, at: new Date().toISOString() };
  }

  /** Adds a finished request, keeping arrival order even when a delayed one ends late. */
  finish(entry: RequestLogEntry): void {
    this.#entries.push(entry);
    const last = this.#entries.length - 1;
    if (last > 0 && this.#entries[last - 1].seq > entry.seq) this.#entries.sort((a, b) => a.seq - b.seq);
    if (this.#entries.length > MAX_ENTRIES) this.#entries.splice(0, this.#entries.length - MAX_ENTRIES);
  }

  /** Finished requests in arrival order. */
  list(): RequestLogEntry[] {
    return this.#entries.map((e) => ({ ...e }));
  }

  /** Empties the log and restarts numbering. */
  clear(): void {
    this.#entries = [];
    this.#nextSeq = 1;
  }
}
