import { z } from "zod";

/** What an injected fault does to the request it hits. */
export type FaultAction = "status" | "delay" | "drop-before" | "drop-after";

/** Longest delay a fault may ask for: long enough for any client timeout test, short enough to notice a typo. */
export const MAX_FAULT_DELAY_MS = 10 * 60 * 1000;

/**
 * Body of `POST /_emulator/faults`. Strict: a misspelt field (say `delay_ms`) is refused
 * rather than silently giving a fault that does something else.
 */
export const faultSpecSchema = z
  .strictObject({
    method: z.string().min(1).optional(),
    pathPrefix: z.string().startsWith("/").optional(),
    count: z.number().int().positive().optional(),
    everyNth: z.number().int().positive().optional(),
    action: z.enum(["status", "delay", "drop-before", "drop-after"]),
    status: z.number().int().min(200).max(599).optional(),
    retryAfter: z.number().int().nonnegative().optional(),
    message: z.string().optional(),
    delayMs: z.number().int().nonnegative().max(MAX_FAULT_DELAY_MS).optional(),
  })
  .refine((spec) => spec.action !== "delay" || spec.delayMs !== undefined, {
    message: "is required when action is 'delay'",
    path: ["delayMs"],
  });

/** A fault as a test asks for it. */
export type FaultSpec = z.infer<typeof faultSpecSchema>;

/** A queued fault, as `GET /_emulator/faults` lists it. */
export interface Fault {
  id: number;
  /** Upper-case method it matches, or null for any. */
  method: string | null;
  pathPrefix: string;
  action: FaultAction;
  /** How many more times it will fire. */
  remaining: number;
  everyNth: number;
  /** Status sent by a `status` fault (default 500). */
  status?: number;
  retryAfter?: number;
  message?: string;
  delayMs?: number;
}

interface QueuedFault {
  fault: Fault;
  /** Matching requests seen so far; with everyNth > 1 only every Nth one fires. */
  seen: number;
}

/**
 * Faults waiting for API requests. For each request, the first queued fault whose method
 * and path prefix match owns it: it counts the request, and fires when the count reaches
 * a multiple of `everyNth`. A fault that owns a request but does not fire lets it through
 * untouched, without trying later faults, so two overlapping faults stay predictable.
 */
export class FaultQueue {
  #faults: QueuedFault[] = [];
  #nextId = 1;

  /** Queues a fault and returns it as listed. */
  add(spec: FaultSpec): Fault {
    const fault: Fault = {
      id: this.#nextId++,
      method: spec.method?.toUpperCase() ?? null,
      pathPrefix: spec.pathPrefix ?? "/",
      action: spec.action,
      remaining: spec.count ?? 1,
      everyNth: spec.everyNth ?? 1,
      ...(spec.action === "status" ? { status: spec.status ?? 500 } : {}),
      ...(spec.retryAfter !== undefined ? { retryAfter: spec.retryAfter } : {}),
      ...(spec.message !== undefined ? { message: spec.message } : {}),
      ...(spec.delayMs !== undefined ? { delayMs: spec.delayMs } : {}),
    };
    this.#faults.push({ fault, seen: 0 });
    return { ...fault };
  }

  /** The fault to apply to this request, if one fires; spent faults leave the queue. */
  take(method: string, pathname: string): Fault | undefined {
    const upper = method.toUpperCase();
    const queued = this.#faults.find(
      ({ fault }) =>
        (fault.method === null || fault.method === upper) && pathname.startsWith(fault.pathPrefix),
    );
    if (!queued) return undefined;
    queued.seen += 1;
    if (queued.seen % queued.fault.everyNth !== 0) return undefined;
    queued.fault.remaining -= 1;
    if (queued.fault.remaining <= 0) this.#faults = this.#faults.filter((q) => q !== queued);
    return { ...queued.fault };
  }

  /** Pending faults with their remaining counts, in queue order. */
  list(): Fault[] {
    return this.#faults.map(({ fault }) => ({ ...fault }));
  }

  /** Removes every pending fault. */
  clear(): void {
    this.#faults = [];
  }
}
