import type { FaultSpec } from "../../src/emulator";

/** The operation a phase of a fault scenario runs. */
export type Phase = "create" | "update" | "delete";

/** One fault scenario: the faults queued before each phase of a 20-configuration run. */
export interface FaultScenario {
  name: string;
  /** Faults queued before the phase runs. */
  faults: (phase: Phase) => FaultSpec[];
  /** Per-attempt client timeout the provider gets, when the scenario needs a short one. */
  requestTimeoutMs?: number;
}

const WRITE_METHOD: Record<Phase, string> = { create: "POST", update: "PUT", delete: "DELETE" };

/**
 * The scenarios a CD pipeline meets against a remote API. Each hits every phase
 * (create, update, delete) of a stack of 20 configurations.
 */
export const FAULT_SCENARIOS: FaultScenario[] = [
  {
    name: "429 with Retry-After on every third request",
    faults: () => [
      { pathPrefix: "/ai/llm", action: "status", status: 429, retryAfter: 1, everyNth: 3, count: 8 },
    ],
  },
  {
    name: "bursts of 503 then 500",
    faults: (phase) => [
      { method: WRITE_METHOD[phase], pathPrefix: "/ai/llm", action: "status", status: 503, count: 4 },
      { method: WRITE_METHOD[phase], pathPrefix: "/ai/llm", action: "status", status: 500, count: 4 },
      { method: "GET", pathPrefix: "/ai/llm", action: "status", status: 503, count: 2 },
    ],
  },
  {
    name: "connections dropped before the operation is applied",
    faults: (phase) => [
      { method: WRITE_METHOD[phase], pathPrefix: "/ai/llm", action: "drop-before", everyNth: 2, count: 5 },
    ],
    requestTimeoutMs: 2_000,
  },
  {
    name: "connections dropped after the operation is applied (lost responses)",
    faults: (phase) => [
      { method: WRITE_METHOD[phase], pathPrefix: "/ai/llm", action: "drop-after", everyNth: 2, count: 5 },
    ],
    requestTimeoutMs: 2_000,
  },
  {
    name: "responses slower than the client's timeout",
    faults: (phase) => [
      {
        method: WRITE_METHOD[phase],
        pathPrefix: "/ai/llm",
        action: "delay",
        delayMs: 3_000,
        everyNth: 4,
        count: 3,
      },
    ],
    requestTimeoutMs: 1_500,
  },
];
