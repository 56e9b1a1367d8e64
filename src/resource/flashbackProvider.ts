import * as pulumi from "@pulumi/pulumi";

/** The arguments of a {@link FlashbackProvider}: one Flashback account. */
export interface FlashbackProviderArgs {
  /** The Flashback API base URL, e.g. `https://backend.flashback.tech`. */
  apiUrl: pulumi.Input<string>;
  /** An access token. Stored as a Pulumi secret, whatever form it is passed in. */
  token?: pulumi.Input<string>;
  /**
   * A refresh token, exchanged for access tokens as needed (suits long-lived stacks and
   * CD runs). Stored as a Pulumi secret, whatever form it is passed in.
   */
  refreshToken?: pulumi.Input<string>;
  /** Per-attempt timeout of API requests, in milliseconds. Default 30 000. */
  requestTimeoutMs?: pulumi.Input<number>;
}

/** Secret when given, absent otherwise (an absent key reads as "not set" in the provider). */
function secretOrUndefined(value: pulumi.Input<string> | undefined): pulumi.Output<string> | undefined {
  return value === undefined ? undefined : pulumi.secret(value);
}

/**
 * A connection to one Flashback account, for stacks that manage more than one: pass it
 * as `{ provider }` to `AiLlmConfig` (and to the lookups). Resources without it use the
 * stack configuration (`flashback:*`) or the environment.
 *
 * It uses its own arguments only, never the environment: it exists to name one account,
 * and another account's token from the environment must not stand in for it. Missing or
 * malformed arguments fail every step with a message naming the provider and the argument.
 * Token and refresh token are Pulumi secrets in the state.
 *
 * Under the hood it is a provider of Pulumi's `pulumi-nodejs` package (the one that runs
 * dynamic resources) whose configuration carries the `flashback:*` settings.
 *
 * @example
 * ```ts
 * const partner = new FlashbackProvider("partner", {
 *   apiUrl: "https://backend.flashback.tech",
 *   refreshToken: config.requireSecret("partnerRefreshToken"),
 * });
 * new AiLlmConfig("partner-openai", { ... }, { provider: partner });
 * ```
 */
export class FlashbackProvider extends pulumi.ProviderResource {
  /** The API base URL this provider talks to. */
  readonly apiUrl: pulumi.Output<string>;
  /** The access token, as a secret, when one was given. */
  readonly token: pulumi.Output<string | undefined>;
  /** The refresh token, as a secret, when one was given. */
  readonly refreshToken: pulumi.Output<string | undefined>;
  /** The per-attempt request timeout, when one was given. */
  readonly requestTimeoutMs: pulumi.Output<number | undefined>;

  /**
   * @param name The Pulumi resource name; messages about this provider quote it.
   * @param args The account's URL and credentials.
   * @param opts Pulumi resource options.
   */
  constructor(name: string, args: FlashbackProviderArgs, opts?: pulumi.ResourceOptions) {
    const token = secretOrUndefined(args.token);
    const refreshToken = secretOrUndefined(args.refreshToken);
    super(
      "pulumi-nodejs",
      name,
      {
        // The dynamic-provider host hands these to the provider as its configuration.
        "flashback:providerName": name,
        "flashback:apiUrl": args.apiUrl,
        "flashback:token": token,
        "flashback:refreshToken": refreshToken,
        "flashback:requestTimeoutMs":
          args.requestTimeoutMs === undefined
            ? undefined
            : pulumi.output(args.requestTimeoutMs).apply(String),
      },
      opts,
    );
    // Kept in the program for lookups, which call the API from the program itself.
    this.apiUrl = pulumi.output(args.apiUrl);
    this.token = token ?? pulumi.output(undefined);
    this.refreshToken = refreshToken ?? pulumi.output(undefined);
    this.requestTimeoutMs = pulumi.output(args.requestTimeoutMs);
  }
}
