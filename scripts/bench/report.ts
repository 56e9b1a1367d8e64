/**
 * The benchmark's targets and its two outputs: a readable table and one JSON object.
 * @packageDocumentation
 */
import type { BenchResult, SizeFigures } from "./run";
import { round } from "./stats";

/** One target: the measured value, the limit it must not exceed, and whether it held. */
export interface Target {
  value: number;
  limit: number;
  held: boolean;
}

/** The N the per-N targets are keyed by: 100 when measured, else the largest N measured. */
export function targetSize(sizes: readonly number[]): number {
  return sizes.includes(100) ? 100 : Math.max(...sizes);
}

function target(value: number, limit: number): Target {
  return { value, limit, held: Number.isFinite(value) && value <= limit };
}

/** The resource count the `--large` targets are keyed by. */
const LARGE_TARGET_SIZE = 300;

/**
 * The targets, by name. Per-N ones are keyed `@N=<n>` with {@link targetSize}.
 * - `refreshListCallsPerWorkspace`: `GET /ai/llm` calls of a refresh of N in one workspace.
 * - `oursOverEngineFloor`: median up time of ours over that of the engine floor (and at
 *   N=300 when measured, `--large`, with its own limit).
 * - `createReadBackLists`: `GET /ai/llm` calls of the up that creates N (every one is a
 *   create reading its own configuration back).
 * - `providerPeakOverFloorMB`: our provider process's peak RSS minus the engine floor's.
 * - `noChangeUpWrites`, `noChangePreviewWrites`: POST/PUT/DELETE calls with nothing to change.
 * - `serializedProviderBytes`: the larger of the `serializeFunction` text and the `__provider` in state.
 * - `stateBytesPerResource`: the `AiLlmConfig` resources of `pulumi stack export`, compact JSON, / N.
 * - `requireModules`, `requireMs`: what `require("pulumi-flashback")` adds after `@pulumi/pulumi`
 *   (modules; median ms of 5 fresh processes).
 */
export function computeTargets(result: BenchResult): Record<string, Target> {
  const n = targetSize(result.settings.sizes);
  const f = result.figures[`N=${n}`];
  const workspaces = 1;
  const large = result.figures[`N=${LARGE_TARGET_SIZE}`];
  return {
    [`refreshListCallsPerWorkspace@N=${n}`]: target(f.refreshListCalls / workspaces, 2),
    [`oursOverEngineFloor@N=${n}`]: target(round(f.oursOverEngineFloor, 3), 1.1),
    ...(large && n !== LARGE_TARGET_SIZE
      ? { [`oursOverEngineFloor@N=${LARGE_TARGET_SIZE}`]: target(round(large.oursOverEngineFloor, 3), 1.15) }
      : {}),
    [`createReadBackLists@N=${n}`]: target(f.oursUpListCalls, 8),
    [`providerPeakOverFloorMB@N=${n}`]: target(round(f.providerPeakOverFloorMB, 1), 20),
    [`noChangeUpWrites@N=${n}`]: target(f.noChangeUpWrites, 0),
    [`noChangePreviewWrites@N=${n}`]: target(f.previewWrites, 0),
    serializedProviderBytes: target(
      Math.max(result.serializedProvider.serializeFunctionBytes, result.serializedProvider.stateBytes),
      2048,
    ),
    stateBytesPerResource: target(round(f.stateBytesPerResource), 2500),
    requireModules: target(result.requireCost.modules, 60),
    requireMs: target(round(result.requireCost.ms, 1), 50),
  };
}

/** The JSON report: every figure (raw runs included), the machine, and the targets. */
export function toJson(result: BenchResult): string {
  return JSON.stringify({ ...result, targets: computeTargets(result) }, null, 2);
}

/** Rows of the table: a label and how to show one N's figure. */
const ROWS: ReadonlyArray<[string, (f: SizeFigures) => string]> = [
  ["engine floor: up of N TrivialResource (ms)", (f) => ms(f.engineFloorMs)],
  ["API floor: N creates via FlashbackClient (ms)", (f) => ms(f.apiFloorMs)],
  ["ours: up of N AiLlmConfig (ms)", (f) => ms(f.oursUpMs)],
  ["  ours / engine floor", (f) => f.oursOverEngineFloor.toFixed(2)],
  ["  ours / (engine floor + API floor)", (f) => f.oursOverEngineAndApiFloor.toFixed(2)],
  [
    "  API calls (creates + lists)",
    (f) => `${f.oursUpApiCalls} (${f.oursUpCreateCalls} + ${f.oursUpListCalls})`,
  ],
  ["  provider peak RSS (MB)", (f) => f.providerPeakMB.toFixed(0)],
  ["  engine floor provider peak RSS (MB)", (f) => f.engineFloorProviderPeakMB.toFixed(0)],
  ["  provider peak RSS over the floor's (MB)", (f) => f.providerPeakOverFloorMB.toFixed(1)],
  ["no-change up (ms)", (f) => ms(f.noChangeUpMs)],
  ["  API calls / writes", (f) => `${f.noChangeUpApiCalls} / ${f.noChangeUpWrites}`],
  ["preview (ms)", (f) => ms(f.previewMs)],
  ["  API calls / writes", (f) => `${f.previewApiCalls} / ${f.previewWrites}`],
  ["refresh, one workspace (ms)", (f) => ms(f.refreshMs)],
  ["  API calls / GET /ai/llm lists", (f) => `${f.refreshApiCalls} / ${f.refreshListCalls}`],
  ["state: export bytes per AiLlmConfig", (f) => f.stateBytesPerResource.toFixed(0)],
  ["state: state file bytes / N", (f) => f.stateFileBytesPerResource.toFixed(0)],
];

function ms(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** Left-aligns the first column and right-aligns the others. */
function layout(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows
    .map((r) =>
      r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join("  "),
    )
    .join("\n");
}

/** The readable report: machine, per-N figures, serialized provider, targets. */
export function toTable(result: BenchResult): string {
  const { machine, settings } = result;
  const sizes = Object.values(result.figures);
  const lines = [
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.totalMemoryMB} MB RAM, ` +
      `${machine.platform} ${machine.arch}`,
    `Node ${machine.node}, pulumi CLI ${machine.pulumi}, @pulumi/pulumi ${machine.pulumiSdk}`,
    `Each figure: median of ${settings.runs} run(s); parallel ${settings.parallel} for every pulumi ` +
      `operation, ${settings.apiConcurrency} creates in flight for the API floor; emulator on loopback.`,
    "",
    layout([
      ["", ...sizes.map((f) => `N=${f.n}`)],
      ...ROWS.map(([label, show]) => [label, ...sizes.map(show)]),
    ]),
    "",
    `Serialized provider: ${result.serializedProvider.serializeFunctionBytes} bytes from serializeFunction, ` +
      `${result.serializedProvider.stateBytes} bytes as __provider in state.`,
    "State bytes per resource: the AiLlmConfig resources of `pulumi stack export` (secrets encrypted), " +
      "compact JSON, divided by N.",
    `require("pulumi-flashback") after @pulumi/pulumi: ${result.requireCost.modules} modules, ` +
      `${result.requireCost.ms.toFixed(1)} ms (median of ${result.requireCost.runsMs.length} fresh processes).`,
    "",
  ];
  const targets = Object.entries(computeTargets(result)).map(([name, t]) => [
    name,
    String(t.value),
    String(t.limit),
    t.held ? "held" : "MISSED",
  ]);
  lines.push(layout([["target", "value", "limit", ""], ...targets]));
  lines.push("", `Total time: ${(result.totalMs / 1000).toFixed(1)} s`);
  return lines.join("\n");
}
