/**
 * Runs every measurement for every N, `runs` times each, and reduces them to medians.
 * @packageDocumentation
 */
import { describeMachine, type MachineInfo } from "./machine";
import {
  measureApiFloor,
  measureEngineFloor,
  measureOurs,
  serializedShimBytes,
  type ApiFloorRun,
  type EngineFloorRun,
  type OursRun,
} from "./measure";
import type { BenchOptions } from "./options";
import { progress } from "./progress";
import { measureRequireCost, type RequireCost } from "./requireCost";
import { median } from "./stats";

/** The medians of one N. Times in ms, memory in MB, sizes in bytes, calls as counts. */
export interface SizeFigures {
  n: number;
  /** `pulumi up` of N no-op dynamic resources. */
  engineFloorMs: number;
  /** N creates through `FlashbackClient`, `apiConcurrency` at a time. */
  apiFloorMs: number;
  /** `pulumi up` of N `AiLlmConfig`s on a fresh stack. */
  oursUpMs: number;
  /** `oursUpMs / engineFloorMs` (ratio of the medians). */
  oursOverEngineFloor: number;
  /** `oursUpMs / (engineFloorMs + apiFloorMs)` (ratio of the medians). */
  oursOverEngineAndApiFloor: number;
  /** API requests of our up, and of them creates (`POST /ai/llm`) and lists (`GET /ai/llm`). */
  oursUpApiCalls: number;
  oursUpCreateCalls: number;
  oursUpListCalls: number;
  /** No-change `pulumi up` with N deployed. */
  noChangeUpMs: number;
  noChangeUpApiCalls: number;
  noChangeUpWrites: number;
  /** `pulumi preview` with N deployed. */
  previewMs: number;
  previewApiCalls: number;
  previewWrites: number;
  /** `pulumi refresh` with N deployed in one workspace. */
  refreshMs: number;
  refreshApiCalls: number;
  refreshListCalls: number;
  /** Export bytes of the N `AiLlmConfig` resources (compact JSON, secrets encrypted) / N. */
  stateBytesPerResource: number;
  /** State file size on disk (all resources, pretty-printed) / N. */
  stateFileBytesPerResource: number;
  /** Peak RSS (VmHWM) of the dynamic-provider process during our up. */
  providerPeakMB: number;
  /** The same for the engine floor's provider process, for comparison. */
  engineFloorProviderPeakMB: number;
  /** `providerPeakMB - engineFloorProviderPeakMB`, each a median. */
  providerPeakOverFloorMB: number;
  /** The raw runs, in order. */
  runs: RunRecord[];
}

/** The raw measurements of one run of one N. */
export interface RunRecord {
  engineFloor: EngineFloorRun;
  apiFloor: ApiFloorRun;
  ours: OursRun;
}

/** Everything the benchmark measured. */
export interface BenchResult {
  machine: MachineInfo;
  settings: { sizes: number[]; runs: number; parallel: number; apiConcurrency: number; statistic: "median" };
  /** Per N, keyed `N=<n>`. */
  figures: Record<string, SizeFigures>;
  /** Bytes of the serialized provider shim. */
  serializedProvider: {
    /** `serializeFunction(() => providerShim)` of the compiled module. */
    serializeFunctionBytes: number;
    /** A resource's `__provider` in the exported state (largest over every run). */
    stateBytes: number;
  };
  /** What `require("pulumi-flashback")` adds to a program after `@pulumi/pulumi`. */
  requireCost: RequireCost;
  /** Wall time of the whole benchmark, warm-up included. */
  totalMs: number;
}

/**
 * A small untimed deployment of both kinds first, so that the first timed run does not
 * pay for cold caches (the CLI binary, the plugin, node modules) that later runs do not.
 */
async function warmUp(parallel: number): Promise<void> {
  progress("warm-up: one small stack of each kind (not timed)");
  await measureEngineFloor(2, parallel);
  await measureOurs(2, parallel, false);
}

/** Measures one N `runs` times, interleaving engine floor, API floor and ours within a run. */
async function measureSize(n: number, options: BenchOptions): Promise<SizeFigures> {
  const runs: RunRecord[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const label = `N=${n} run ${run}/${options.runs}`;
    progress(`${label}: engine floor (pulumi up of ${n} TrivialResource)`);
    const engineFloor = await measureEngineFloor(n, options.parallel);
    progress(`${label}: API floor (${n} creates through FlashbackClient)`);
    const apiFloor = await measureApiFloor(n, options.apiConcurrency);
    progress(`${label}: ours (up of ${n} AiLlmConfig, then no-change up, preview, refresh)`);
    const ours = await measureOurs(n, options.parallel);
    progress(
      `${label}: floor ${Math.round(engineFloor.upMs)} ms, API ${Math.round(apiFloor.createsMs)} ms, ` +
        `ours ${Math.round(ours.upMs)} ms`,
    );
    runs.push({ engineFloor, apiFloor, ours });
  }
  const m = (pick: (r: RunRecord) => number | undefined) => median(runs.map((r) => pick(r) ?? Number.NaN));
  const engineFloorMs = m((r) => r.engineFloor.upMs);
  const apiFloorMs = m((r) => r.apiFloor.createsMs);
  const oursUpMs = m((r) => r.ours.upMs);
  return {
    n,
    engineFloorMs,
    apiFloorMs,
    oursUpMs,
    oursOverEngineFloor: oursUpMs / engineFloorMs,
    oursOverEngineAndApiFloor: oursUpMs / (engineFloorMs + apiFloorMs),
    oursUpApiCalls: m((r) => r.ours.upCalls.total),
    oursUpCreateCalls: m((r) => r.ours.upCalls.creates),
    oursUpListCalls: m((r) => r.ours.upCalls.lists),
    noChangeUpMs: m((r) => r.ours.noChangeUp?.ms),
    noChangeUpApiCalls: m((r) => r.ours.noChangeUp?.calls.total),
    noChangeUpWrites: m((r) => r.ours.noChangeUp?.calls.writes),
    previewMs: m((r) => r.ours.preview?.ms),
    previewApiCalls: m((r) => r.ours.preview?.calls.total),
    previewWrites: m((r) => r.ours.preview?.calls.writes),
    refreshMs: m((r) => r.ours.refresh?.ms),
    refreshApiCalls: m((r) => r.ours.refresh?.calls.total),
    refreshListCalls: m((r) => r.ours.refresh?.calls.lists),
    stateBytesPerResource: m((r) => r.ours.exportBytesPerResource),
    stateFileBytesPerResource: m((r) => r.ours.stateFileBytesPerResource),
    providerPeakMB: m((r) => r.ours.providerPeakMB),
    engineFloorProviderPeakMB: m((r) => r.engineFloor.providerPeakMB),
    providerPeakOverFloorMB: m((r) => r.ours.providerPeakMB) - m((r) => r.engineFloor.providerPeakMB),
    runs,
  };
}

/** Runs the whole benchmark. Throws on any error; a missed target is not an error. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const machine = describeMachine();
  progress(
    `${machine.cores} cores, node ${machine.node}, pulumi ${machine.pulumi}; ` +
      `N = ${options.sizes.join(", ")}; ${options.runs} run(s) per figure`,
  );
  const serializeFunctionBytes = await serializedShimBytes();
  progress('require cost: require("pulumi-flashback") in 5 fresh processes');
  const requireCost = measureRequireCost(5);
  await warmUp(options.parallel);
  const figures: Record<string, SizeFigures> = {};
  for (const n of options.sizes) figures[`N=${n}`] = await measureSize(n, options);
  const stateBytes = Math.max(
    ...Object.values(figures).flatMap((f) => f.runs.map((r) => r.ours.stateProviderBytes)),
  );
  return {
    machine,
    settings: {
      sizes: options.sizes,
      runs: options.runs,
      parallel: options.parallel,
      apiConcurrency: options.apiConcurrency,
      statistic: "median",
    },
    figures,
    serializedProvider: { serializeFunctionBytes, stateBytes },
    requireCost,
    totalMs: performance.now() - started,
  };
}
