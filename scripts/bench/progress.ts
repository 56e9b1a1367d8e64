/**
 * Progress lines of the benchmark. They go to stderr, so that `--json` leaves stdout
 * holding the JSON object alone.
 * @packageDocumentation
 */

const started = performance.now();

/** Writes one progress line to stderr, prefixed with the seconds since start. */
export function progress(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}
