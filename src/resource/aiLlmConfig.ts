import * as pulumi from "@pulumi/pulumi";
import type { AiType } from "../schemas";
import { claimConfiguration } from "./claims";
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
   * The provider's secret (for example an OpenAI `sk-...` key). Always stored as a
   * Pulumi secret, whatever form it is passed in. Flashback never returns it, so a
   * change made outside Pulumi cannot be detected; a change here updates in place.
   */
  secret: pulumi.Input<string>;
  /** An extra access key, for providers that need one. Stored as a Pulumi secret. */
  key?: pulumi.Input<string>;
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
  /** The provider secret, as a Pulumi secret. */
  declare readonly secret: pulumi.Output<string>;
  /** The access key, as a Pulumi secret, when one is set. */
  declare readonly key: pulumi.Output<string | undefined>;
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

  /**
   * Declares a configuration.
   * @param name The Pulumi resource name (not the Flashback display name).
   * @param args The configuration's settings.
   * @param opts Pulumi resource options.
   */
  constructor(name: string, args: AiLlmConfigArgs, opts?: pulumi.CustomResourceOptions) {
    warnIfCredentialsNotSecret();
    super(
      serializableProvider(),
      name,
      {
        name: args.name,
        aiType: args.aiType,
        endpoint: args.endpoint,
        secret: pulumi.secret(args.secret),
        key: args.key === undefined ? undefined : pulumi.secret(args.key),
        workspaceId: args.workspaceId,
        validate: args.validate,
        adoptExisting: args.adoptExisting,
        // Set only when another resource of this program declares the same configuration;
        // the provider's check then fails, so the conflict shows at preview and nothing is written.
        conflict: pulumi
          .all([args.name, args.workspaceId])
          .apply(([displayName, workspaceId]) => claimConfiguration(name, workspaceId, displayName)),
        // Outputs computed by the provider; seeded so that they exist as properties.
        aiLlmId: undefined,
        orgId: undefined,
        createdAt: undefined,
        repos: undefined,
        validated: undefined,
        validationMessage: undefined,
        adopted: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["secret", "key"] }),
      "flashback",
      "AiLlmConfig",
    );
  }
}
