import type { dynamic } from "@pulumi/pulumi";

/** The methods the dynamic-provider host calls. */
const METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. V8's optimizing compiler for it
 * raised the provider process's peak memory by about 35 MB (measured: 100 requests through
 * undici +42 MB, through node:http +6 MB, through undici with baseline (Liftoff) code only
 * +6 MB), for parsing a few kilobytes of JSON responses. So the provider process compiles
 * WebAssembly with the baseline compiler only. Called before the client loads; it changes
 * only how WebAssembly is compiled in this process, which runs dynamic providers alone.
 */
function compileWebAssemblyWithBaselineOnly(): void {
  try {
    (require("node:v8") as typeof import("node:v8")).setFlagsFromString("--liftoff-only");
  } catch {
    // A V8 without the flag compiles as before: more memory, same behaviour.
  }
}

/**
 * A provider whose methods build the real one (`make`) on their first call, wrapped so
 * that its expected failures are not logged twice (see quietFailures). A program that
 * only declares resources loads this small module and never `make`'s dependencies.
 */
export function lazyProcessProvider(make: () => dynamic.ResourceProvider): dynamic.ResourceProvider {
  let provider: dynamic.ResourceProvider | undefined;
  const instance = (): dynamic.ResourceProvider => {
    if (!provider) {
      compileWebAssemblyWithBaselineOnly();
      const { withQuietFailures } = require("./quietFailures") as typeof import("./quietFailures");
      provider = withQuietFailures(make(), METHODS);
    }
    return provider;
  };
  const lazy: Record<string, unknown> = {};
  for (const method of METHODS) {
    lazy[method] = (...args: unknown[]) => (instance()[method] as (...a: unknown[]) => unknown)(...args);
  }
  return lazy as unknown as dynamic.ResourceProvider;
}
