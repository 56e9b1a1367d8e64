// The dynamic-provider host loads serialized providers with this package; the
// shim test loads ours the same way. It ships no types.
declare module "require-from-string" {
  function requireFromString(
    code: string,
    filename?: string,
  ): { handler: () => Record<string, (...args: unknown[]) => Promise<unknown>> };
  export = requireFromString;
}
