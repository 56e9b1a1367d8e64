/**
 * Cheaper resource construction: the Pulumi SDK records a stack trace for every property
 * promise of a resource it registers, kept only to explain leaked promises when
 * `PULUMI_DEBUG_PROMISE_LEAKS` is set. Formatting those traces (through source maps under
 * ts-node or tsx) was most of the program-side cost of an `AiLlmConfig` and its 18
 * properties: measured, a no-op dynamic resource of the same shape took 1.2 times as long
 * to deploy at N = 100 as one of a single property, and these traces were the largest
 * part of the difference.
 * @packageDocumentation
 */

/**
 * Stops stack traces from being recorded until the returned function is called; call it
 * right after the resource's `super(...)`, in a `finally`. Does nothing while
 * `PULUMI_DEBUG_PROMISE_LEAKS` is set, since that is what the traces are for. The SDK
 * takes a resource's own source position with a limit of its own, so that is kept.
 * @internal
 */
export function skipPromiseStackTraces(): () => void {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return () => undefined;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = limit;
  };
}
