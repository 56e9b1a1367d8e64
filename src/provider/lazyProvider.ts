import type { dynamic } from "@pulumi/pulumi";

/** The methods the dynamic-provider host calls. */
const METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;

/**
 * A provider whose methods build the real one (`make`) on their first call, wrapped so
 * that its expected failures are not logged twice (see quietFailures). A program that
 * only declares resources loads this small module and never `make`'s dependencies.
 */
export function lazyProcessProvider(make: () => dynamic.ResourceProvider): dynamic.ResourceProvider {
  let provider: dynamic.ResourceProvider | undefined;
  const instance = (): dynamic.ResourceProvider => {
    if (!provider) {
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
