/**
 * Turning a Pulumi Output into a promise, for the plain (non-Output) lookups.
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";

/** The members every Output of @pulumi/pulumi 3.x has at run time (left out of its public types). */
interface OutputInternals<T> {
  isKnown?: PromiseLike<boolean>;
  promise?: (withUnknowns?: boolean) => Promise<T>;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

/**
 * The value of an Output, once it is known. Rejects with `unknownMessage` when the value
 * is not known in this run (a preview, with the value coming from a resource not created
 * yet) instead of waiting forever, and with the Output's own error when it failed.
 */
export async function settle<T>(value: pulumi.Output<T>, unknownMessage: string): Promise<T> {
  const internals = value as unknown as OutputInternals<T>;
  if (isPromiseLike(internals.isKnown) && typeof internals.promise === "function") {
    if (!(await internals.isKnown)) throw new Error(unknownMessage);
    return internals.promise.call(value);
  }
  // An SDK without those members: apply runs once the value is known.
  return new Promise<T>((resolve) => {
    value.apply((resolved) => {
      resolve(resolved);
      return resolved;
    });
  });
}
