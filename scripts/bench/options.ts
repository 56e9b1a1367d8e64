/**
 * Command-line options of `npm run bench`.
 * @packageDocumentation
 */
import { parseArgs } from "node:util";

/** What one benchmark run measures and how it reports. */
export interface BenchOptions {
  /** Print one JSON object on stdout instead of the table. */
  json: boolean;
  /** Also write the JSON report to this file, whatever stdout shows. */
  out?: string;
  /** Resource counts to measure, in the order given. */
  sizes: number[];
  /** Repetitions of every figure; each reported figure is the median of these. */
  runs: number;
  /** `parallel` passed to every pulumi operation. */
  parallel: number;
  /** How many creates the API floor keeps in flight at once. */
  apiConcurrency: number;
}

/** Default resource counts, and the one `--large` adds. */
export const DEFAULT_SIZES = [10, 100] as const;
/** The resource count `--large` adds to the defaults. */
export const LARGE_SIZE = 300;
/** Repetitions per figure when `--runs` is not given. */
export const DEFAULT_RUNS = 3;
/** Engine parallelism and API concurrency, the same for every measurement. */
export const PARALLELISM = 16;

/** Usage text for `--help` and for argument errors. */
export const USAGE = `usage: tsx scripts/bench.ts [--json] [--large] [--sizes 10,100] [--runs 3] [--out FILE]
  --json      print one JSON object on stdout (progress goes to stderr)
  --out FILE  also write the JSON report to FILE
  --large     also measure N=${LARGE_SIZE}
  --sizes L   comma-separated resource counts, replacing the defaults (${DEFAULT_SIZES.join(",")})
  --runs K    repetitions per figure; each figure is the median (default ${DEFAULT_RUNS})`;

/** Thrown for a malformed command line; the message is meant for the user. */
export class UsageError extends Error {}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag} expects positive integers, got "${text}"`);
  }
  return value;
}

/**
 * Parses the command line (without the node and script arguments).
 * @returns the options, or `"help"` when `--help` was asked for.
 * @throws UsageError on an unknown flag or a bad value.
 */
export function parseBenchArgs(argv: string[]): BenchOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: "boolean", default: false },
        large: { type: "boolean", default: false },
        sizes: { type: "string" },
        runs: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return "help";
  const sizes =
    values.sizes === undefined
      ? [...DEFAULT_SIZES]
      : values.sizes.split(",").map((s) => positiveInteger(s, "--sizes"));
  if (values.large && !sizes.includes(LARGE_SIZE)) sizes.push(LARGE_SIZE);
  return {
    json: values.json ?? false,
    out: values.out,
    sizes: [...new Set(sizes)],
    runs: values.runs === undefined ? DEFAULT_RUNS : positiveInteger(values.runs, "--runs"),
    parallel: PARALLELISM,
    apiConcurrency: PARALLELISM,
  };
}
