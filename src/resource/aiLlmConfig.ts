import * as pulumi from "@pulumi/pulumi";
import type { AiType } from "../schemas";
import { claimConfiguration } from "./claims";
import { skipPromiseStackTraces } from "./promiseStacks";
import { warnIfCredentialsNotSecret } from "./credentialWarning";
import { serializableProvider } from "./serializableProvider";

/** The arguments of an {@link AiLlmConfig}. */
export interface AiLlmConfigArgs {
  /** Display name of the configuration; unique within its workspace. Changing it updates in place. */
  name: pulumi.Input<string>;
  /**
   * The provider type: `OPENAI` (also any OpenAI-compatible endpoint), `GOOGLE`,
   * `ANTHROPIC`, `AWS` (Bedrock) or `OTHER` (custom endpoints). Changing it updates in place.
   */
  aiType: pulumi.Input<AiType>;
  /** The provider's API base URL, an absolute http(s) URL such as `https://api.openai.com/v1`. */
  endpoint: pulumi.Input<string>;
  /**
   * The provider's secret (for example an OpenAI `sk-...` key), for inline credentials.
   * Always stored as a Pulumi secret, whatever form it is passed in. Flashback never
   * returns it, so a change made outside Pulumi cannot be detected; a change here updates
   * in place. Exactly one of `secret` and `apiKeyId` is set.
   */
  secret?: pulumi.Input<string>;
  /** An extra access key, for providers that need one (inline credentials only). Stored as a Pulumi secret. */
  key?: pulumi.Input<string>;
  /**
   * The id of a stored provider key whose credentials the configuration uses instead of
   * `secret`/`key`, typically `providerKey.id` of a `ProviderApiKey` in the same
   * workspace. Rotating that key changes nothing here; switching between `apiKeyId` and
   * `secret` updates the configuration in place. Exactly one of the two is set.
   */
  apiKeyId?: pulumi.Input<string>;
  /** The Flashback workspace that owns the configuration. Changing it replaces the configuration. */
  workspaceId: pulumi.Input<string>;
  /**
   * Whether to test the credentials with Flashback after each create and each
   * change of credentials, endpoint or type: `"off"` (default) skips the check,
   * `"warn"` records the result in `validated`/`validationMessage` and warns on
   * failure, `"require"` fails the step when the check fails (a configuration the
   * step created is then removed again).
   */
  validate?: pulumi.Input<"off" | "warn" | "require">;
  /**
   * When a configuration with this name already exists in the workspace (made by
   * hand, or by another stack), take it over and update it to the declared state
   * instead of failing on the duplicate name. Dynamic resources cannot be brought
   * in with `pulumi import`, so this is the way to manage existing configurations.
   * Default false.
   */
  adoptExisting?: pulumi.Input<boolean>;
}

/**
 * A Flashback AI LLM configuration: an AI provider's endpoint and credentials,
 * stored in a Flashback workspace.
 *
 * Credentials come from stack configuration `flashback:apiUrl` and
 * `flashback:token` (or `flashback:refreshToken`), or from the environment
 * variables `FLASHBACK_API_URL`, `FLASHBACK_TOKEN`, `FLASHBACK_REFRESH_TOKEN`.
 *
 * @example
 * ```ts
 * const openai = new AiLlmConfig("openai", {
 *   name: "Production OpenAI",
 *   aiType: "OPENAI",
 *   endpoint: "https://api.openai.com/v1",
 *   secret: config.requireSecret("openaiKey"),
 *   workspaceId: "workspace-123",
 * });
 * export const aiLlmId = openai.aiLlmId;
 * ```
 */
export class AiLlmConfig extends pulumi.dynamic.Resource {
  /** The configuration's id in Flashback (also the resource id). */
  declare readonly aiLlmId: pulumi.Output<string>;
  /** Display name. */
  declare readonly name: pulumi.Output<string>;
  /** Provider type. */
  declare readonly aiType: pulumi.Output<AiType>;
  /** Provider base URL. */
  declare readonly endpoint: pulumi.Output<string>;
  /** The provider secret, as a Pulumi secret, when inline credentials are used. */
  declare readonly secret: pulumi.Output<string | undefined>;
  /** The access key, as a Pulumi secret, when one is set. */
  declare readonly key: pulumi.Output<string | undefined>;
  /** The stored provider key in use, when the configuration uses one. */
  declare readonly apiKeyId: pulumi.Output<string | undefined>;
  /** Owning workspace. */
  declare readonly workspaceId: pulumi.Output<string>;
  /** Validation mode in force. */
  declare readonly validate: pulumi.Output<"off" | "warn" | "require" | undefined>;
  /** Whether an existing configuration of the same name may be adopted. */
  declare readonly adoptExisting: pulumi.Output<boolean | undefined>;
  /** The organization that owns the configuration, as Flashback reports it. */
  declare readonly orgId: pulumi.Output<string | undefined>;
  /** When Flashback created the configuration (ISO 8601). */
  declare readonly createdAt: pulumi.Output<string | undefined>;
  /** Names of the repositories that use the configuration (as of the last create or refresh). */
  declare readonly repos: pulumi.Output<string[]>;
  /** When validation ran: whether Flashback accepted the credentials. */
  declare readonly validated: pulumi.Output<boolean | undefined>;
  /** When validation ran: Flashback's message about the check. */
  declare readonly validationMessage: pulumi.Output<string | undefined>;
  /** True when the create took over an existing configuration (`adoptExisting`) instead of making one. */
  declare readonly adopted: pulumi.Output<boolean | undefined>;

  /** The type token the resource registers with; `@pulumi/policy` matches classes by it. */
  static readonly __pulumiType = "pulumi-nodejs:dynamic/flashback:AiLlmConfig";

  /**
   * True when `obj` is an `AiLlmConfig`, also one made by another copy of this package:
   * the check compares the registered type token, as Pulumi's generated classes do.
   */
  static override isInstance(obj: unknown): obj is AiLlmConfig {
    if (obj === undefined || obj === null) return false;
    return (obj as Record<string, unknown>)["__pulumiType"] === AiLlmConfig.__pulumiType;
  }

  /**
   * Reads an existing configuration into the stack without managing it: its outputs
   * (`name`, `aiType`, `endpoint`, `orgId`, ...; never `secret` or `key`, which Flashback
   * does not return) come from Flashback, and `pulumi destroy` leaves it alone.
   * Fails when the workspace has no configuration with that id.
   * @param name The Pulumi resource name.
   * @param id The configuration's id in Flashback.
   * @param state `workspaceId`: the workspace that holds it (the API lists per workspace).
   * @param opts Pulumi resource options (`provider` for a `FlashbackProvider` account).
   */
  static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state: { workspaceId: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): AiLlmConfig {
    return new AiLlmConfig(name, state as unknown as AiLlmConfigArgs, { ...opts, id });
  }

  /**
   * Declares a configuration.
   * @param name The Pulumi resource name (not the Flashback display name).
   * @param args The configuration's settings.
   * @param opts Pulumi resource options. With `id` set, the resource reads an existing
   *   configuration instead (see {@link AiLlmConfig.get}) and only `args.workspaceId` is used.
   */
  constructor(name: string, args: AiLlmConfigArgs, opts?: pulumi.CustomResourceOptions) {
    warnIfCredentialsNotSecret();
    const restoreStackTraces = skipPromiseStackTraces();
    try {
      super(
        serializableProvider(),
        name,
        opts?.id === undefined ? declaredProps(name, args) : readProps(name, args),
        pulumi.mergeOptions(opts, { additionalSecretOutputs: [...SECRET_INPUTS] }),
        "flashback",
        "AiLlmConfig",
      );
    } finally {
      restoreStackTraces();
    }
    if (opts?.id === undefined) reportFailedValidation(this);
  }
}

/**
 * Warns on the resource itself (the provider process can only warn on the stack) while
 * its last credential validation failed, each time the program runs: a reminder until
 * the secret, key or endpoint is fixed. Only `validate: "warn"` keeps such a configuration.
 */
function reportFailedValidation(resource: AiLlmConfig): void {
  pulumi.all([resource.validated, resource.validationMessage]).apply(([validated, message]) => {
    if (validated === false) {
      void pulumi.log.warn(
        `failed credential validation at its last check: ${message ?? "no reason given"}`,
        resource,
      );
    }
  });
}

/**
 * The inputs stored as Pulumi secrets. The provider's field table (src/provider/fields.ts)
 * is the source; this module cannot import it (it loads zod), so a test holds the two equal.
 * @internal
 */
export const SECRET_INPUTS = ["secret", "key"] as const;

/** Outputs computed by the provider; seeded so that they exist as properties of the resource. */
const COMPUTED_OUTPUTS = {
  aiLlmId: undefined,
  orgId: undefined,
  createdAt: undefined,
  repos: undefined,
  validated: undefined,
  validationMessage: undefined,
  adopted: undefined,
};

/**
 * What a managed (declared) configuration registers: every field of the provider's table.
 * @internal
 */
export function declaredProps(name: string, args: AiLlmConfigArgs): pulumi.Inputs {
  return {
    name: args.name,
    aiType: args.aiType,
    endpoint: args.endpoint,
    secret: args.secret === undefined ? undefined : pulumi.secret(args.secret),
    key: args.key === undefined ? undefined : pulumi.secret(args.key),
    apiKeyId: args.apiKeyId,
    workspaceId: args.workspaceId,
    validate: args.validate,
    adoptExisting: args.adoptExisting,
    // Set only when another resource of this program declares the same configuration;
    // the provider's check then fails, so the conflict shows at preview and nothing is written.
    conflict: pulumi
      .all([args.name, args.workspaceId])
      .apply(([displayName, workspaceId]) => claimConfiguration(name, workspaceId, displayName)),
    ...COMPUTED_OUTPUTS,
  };
}

/**
 * What a read (`AiLlmConfig.get`) sends the provider: the workspace to list and nothing
 * else. It carries no `aiLlmId`, which every state the provider records has: that is how
 * the provider's read tells a get (a missing id fails) from a refresh (a missing id was
 * deleted outside Pulumi).
 */
function readProps(name: string, state: Partial<AiLlmConfigArgs> | undefined): pulumi.Inputs {
  const workspaceId = state?.workspaceId;
  if (workspaceId === undefined || workspaceId === null || workspaceId === "") {
    throw new Error(
      `AiLlmConfig.get("${name}", ...): workspaceId is required. Flashback lists configurations per ` +
        'workspace, so pass the one that holds it: AiLlmConfig.get(name, id, { workspaceId: "..." }).',
    );
  }
  return {
    workspaceId,
    name: undefined,
    aiType: undefined,
    endpoint: undefined,
    secret: undefined,
    key: undefined,
    apiKeyId: undefined,
    validate: undefined,
    adoptExisting: undefined,
    ...COMPUTED_OUTPUTS,
  };
}
