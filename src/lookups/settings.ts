/**
 * Where a lookup finds the Flashback API and its credentials: the same rules as the
 * provider's ({@link resolveSettings}), read in the program instead of the provider process.
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { EXPLICIT_PROVIDER_KEY, resolveSettings, type ProviderSettings } from "../provider/settings";
import type { FlashbackProvider } from "../resource/flashbackProvider";
import { settle } from "./settle";

/** Options every lookup takes, like the invoke options of a generated Pulumi package. */
export interface LookupOptions {
  /**
   * The Flashback account to ask. Without it: stack configuration (`flashback:apiUrl`,
   * `flashback:token`, `flashback:refreshToken`, `flashback:requestTimeoutMs`) first, the
   * environment (`FLASHBACK_API_URL`, `FLASHBACK_TOKEN`, `FLASHBACK_REFRESH_TOKEN`,
   * `FLASHBACK_REQUEST_TIMEOUT_MS`) second. With it: its arguments only, never the environment.
   */
  provider?: FlashbackProvider;
}

/** The members of a {@link FlashbackProvider} a lookup reads. */
export type ProviderSettingsSource = Pick<
  FlashbackProvider,
  "urn" | "apiUrl" | "token" | "refreshToken" | "requestTimeoutMs"
>;

/**
 * A provider's arguments as plain values. They hold credentials: they must never reach a
 * result or a message.
 */
export interface ProviderArguments {
  /** The provider's resource name, for messages. */
  name: string;
  /** Its `apiUrl` argument. */
  apiUrl: unknown;
  /** Its `token` argument (a credential). */
  token: unknown;
  /** Its `refreshToken` argument (a credential). */
  refreshToken: unknown;
  /** Its `requestTimeoutMs` argument. */
  requestTimeoutMs: unknown;
}

/** The resource name at the end of a URN (`urn:pulumi:stack::project::type::name`). */
function nameFromUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  return typeof value === "number" ? String(value) : undefined;
}

/** Refuses anything but a FlashbackProvider, whose settings live in its Outputs. */
function checkedSource(provider: unknown): ProviderSettingsSource {
  const source = provider as Partial<ProviderSettingsSource> | undefined;
  if (!pulumi.Output.isInstance(source?.apiUrl) || !pulumi.Output.isInstance(source?.urn)) {
    throw new TypeError("opts.provider must be a FlashbackProvider from pulumi-flashback");
  }
  return source as ProviderSettingsSource;
}

/**
 * A provider's arguments as one Output (a secret, since the credentials are). Unknown
 * during a preview when an argument comes from a resource not created yet.
 */
export function providerArgumentsOutput(provider: unknown): pulumi.Output<ProviderArguments> {
  const source = checkedSource(provider);
  return pulumi
    .all([source.urn, source.apiUrl, source.token, source.refreshToken, source.requestTimeoutMs])
    .apply(([urn, apiUrl, token, refreshToken, requestTimeoutMs]) => ({
      name: nameFromUrn(urn),
      apiUrl,
      token,
      refreshToken,
      requestTimeoutMs,
    }));
}

/**
 * The settings of an explicit provider: its arguments only, checked as the provider checks
 * them (messages name `FlashbackProvider "<name>"` and the argument, never a value).
 */
export function settingsFromProvider(args: ProviderArguments): ProviderSettings {
  const values: Record<string, string | undefined> = {
    [EXPLICIT_PROVIDER_KEY]: args.name,
    "flashback:apiUrl": text(args.apiUrl),
    "flashback:token": text(args.token),
    "flashback:refreshToken": text(args.refreshToken),
    "flashback:requestTimeoutMs": text(args.requestTimeoutMs),
  };
  return resolveSettings((key) => values[key]);
}

/** The settings without a provider: stack configuration (`flashback:*`) first, `env` second. */
export function settingsFromStack(env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const config = new pulumi.Config("flashback");
  const prefix = "flashback:";
  return resolveSettings(
    (key) => (key.startsWith(prefix) ? config.get(key.slice(prefix.length)) : undefined),
    env,
  );
}

/**
 * The settings of a plain (Promise) lookup named `fn`. With a provider whose arguments are
 * not known in this run (a preview, arguments from a resource not created yet), rejects and
 * points to the Output form, which waits for them.
 */
export async function resolveLookupSettings(
  fn: string,
  opts: LookupOptions | undefined,
): Promise<ProviderSettings> {
  if (opts?.provider === undefined) return settingsFromStack();
  const source = checkedSource(opts.provider);
  const name = nameFromUrn(await settle(source.urn, "the provider's URN is not known"));
  const args = await settle(
    providerArgumentsOutput(source),
    `the arguments of FlashbackProvider "${name}" are not known yet (they come from a resource ` +
      `this deployment has not created); use ${fn}Output, which waits for them`,
  );
  return settingsFromProvider(args);
}
