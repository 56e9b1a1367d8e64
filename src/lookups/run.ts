/**
 * The two ways every lookup runs: as a promise in the program, or as an Output that waits
 * for its Input arguments (the form generated Pulumi packages give their invokes).
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import type { FlashbackClient } from "../client";
import type { ProviderSettings } from "../provider/settings";
import { withClient } from "./client";
import { withLookupContext } from "./errors";
import {
  providerArgumentsOutput,
  resolveLookupSettings,
  settingsFromProvider,
  settingsFromStack,
  type LookupOptions,
  type ProviderArguments,
} from "./settings";

/** What makes one lookup: its name, its argument check and its API call. */
export interface LookupSpec<A, C, R> {
  /** The function's name, in front of every message. */
  fn: string;
  /** Checks the arguments (before any request) and returns what the query needs. */
  check(args: A): C;
  /** What was asked, for messages: e.g. `workspace "ws-1"`. */
  describe(checked: C): string | undefined;
  /** The API call(s) and the shaping of the result. Read-only: GET requests only. */
  query(client: FlashbackClient, checked: C): Promise<R>;
}

function context<A, C, R>(spec: LookupSpec<A, C, R>, checked: C): string {
  const what = spec.describe(checked);
  return what === undefined ? spec.fn : `${spec.fn} (${what})`;
}

async function execute<A, C, R>(
  spec: LookupSpec<A, C, R>,
  checked: C,
  settings: ProviderSettings,
): Promise<R> {
  return withClient(context(spec, checked), settings, (client) => spec.query(client, checked));
}

/** Runs a lookup now: arguments checked, settings resolved, one client opened and closed. */
export async function runLookup<A, C, R>(
  spec: LookupSpec<A, C, R>,
  args: A,
  opts: LookupOptions | undefined,
): Promise<R> {
  const checked = spec.check(args);
  let settings: ProviderSettings;
  try {
    settings = await resolveLookupSettings(spec.fn, opts);
  } catch (error) {
    throw withLookupContext(context(spec, checked), error);
  }
  return execute(spec, checked, settings);
}

/**
 * Runs a lookup once its arguments (and an explicit provider's arguments) are known; its
 * result is unknown in a preview while any of them is. The result is secret only when an
 * argument was: the credentials that made the call are secrets, but not part of the result.
 *
 * The lookup is the last step of the chain on purpose: no Output is built on top of the one
 * that can fail. Measured with the `pulumi` CLI (which runs programs with V8's debugger
 * enabled, for closure serialization): with the secret handling done by Outputs chained
 * after the lookup, a failed lookup kept the program busy inside V8 for minutes at the
 * rethrow of its error, and the message was lost; with the lookup last, preview fails at
 * once. (Likely cause: V8 predicting whether the rejection is caught by walking every path
 * of the promise graph below it, which each chained Output multiplies.)
 */
export function runLookupOutput<T, A, C, R>(
  spec: LookupSpec<A, C, R>,
  args: T,
  opts: LookupOptions | undefined,
  plain: (args: pulumi.Unwrap<T>) => A,
): pulumi.Output<R> {
  const argsOutput = pulumi.output(args);
  let provider: pulumi.Output<ProviderArguments | undefined>;
  try {
    provider =
      opts?.provider === undefined ? pulumi.output(undefined) : providerArgumentsOutput(opts.provider);
  } catch (error) {
    throw withLookupContext(spec.fn, error);
  }
  const argsSecret = pulumi.isSecret(argsOutput);
  // Not secret here (the provider's credentials are); made secret again below when an argument was.
  const inputs = pulumi.unsecret(pulumi.all([argsOutput, provider]));
  return inputs.apply(async ([resolvedArgs, providerArgs]) => {
    const checked = spec.check(plain(resolvedArgs as pulumi.Unwrap<T>));
    let settings: ProviderSettings;
    try {
      settings = providerArgs === undefined ? settingsFromStack() : settingsFromProvider(providerArgs);
    } catch (error) {
      throw withLookupContext(context(spec, checked), error);
    }
    const result = await execute(spec, checked, settings);
    // An Output returned from apply is flattened, its secretness kept.
    return (await argsSecret) ? pulumi.secret(result) : pulumi.output(result);
  }) as pulumi.Output<R>;
}
