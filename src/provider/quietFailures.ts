/**
 * One message per expected failure. The dynamic-provider host of @pulumi/pulumi logs
 * `${error}: ${error.stack}` to stderr for a failed check, diff, read or delete, and the
 * engine then prints the error's message again: a user saw a missing token twice, under
 * a 10-line stack trace. This module lets the provider keep that line out for failures
 * it raises on purpose (bad settings, API refusals, explanations), while programming
 * errors keep their trace.
 * @packageDocumentation
 */

/** The exact lines the host is about to log for expected failures; bounded, oldest dropped. */
const expectedLines = new Set<string>();
const MAX_REMEMBERED = 200;

let installed = false;

/** A failure raised on purpose, as opposed to a bug, whose trace helps whoever fixes it. */
function isExpected(error: unknown): error is Error {
  return (
    error instanceof Error &&
    !(error instanceof TypeError) &&
    !(error instanceof ReferenceError) &&
    !(error instanceof RangeError) &&
    !(error instanceof SyntaxError)
  );
}

/** Drops, once, a `console.error` line the host builds from an expected failure. */
function installFilter(): void {
  if (installed) return;
  installed = true;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    if (args.length === 1 && typeof args[0] === "string" && expectedLines.delete(args[0])) return;
    original(...args);
  };
}

function remember(error: Error): void {
  // The host formats the line this way (cmd/dynamic-provider/index.js, 3.248 to 3.276).
  expectedLines.add(`${error}: ${error.stack}`);
  if (expectedLines.size > MAX_REMEMBERED) {
    const oldest = expectedLines.values().next().value;
    if (oldest !== undefined) expectedLines.delete(oldest);
  }
}

/**
 * Wraps each method of `target` so that an expected failure it throws is not also logged
 * with its stack trace by the dynamic-provider host. The engine still reports the
 * failure's message. Installs the filter on first use; only the provider process calls this.
 */
export function withQuietFailures<T extends object>(target: T, methods: readonly (keyof T & string)[]): T {
  installFilter();
  const wrapped: Record<string, unknown> = {};
  for (const name of methods) {
    const method = target[name];
    if (typeof method !== "function") continue;
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (method as (...a: unknown[]) => unknown).apply(target, args);
      } catch (error) {
        if (isExpected(error)) remember(error);
        throw error;
      }
    };
  }
  return wrapped as T;
}
