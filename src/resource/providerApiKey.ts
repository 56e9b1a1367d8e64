import * as pulumi from "@pulumi/pulumi";
import { claimStoredKey } from "./claims";
import { skipPromiseStackTraces } from "./promiseStacks";
import { warnIfCredentialsNotSecret } from "./credentialWarning";
import { serializableProvider } from "./serializableProvider";

/** The arguments of a {@link ProviderApiKey}. */
export interface ProviderApiKeyArgs {
  /**
   * The credential's provider as Flashback names it: `OPENAI`, `ANTHROPIC`, `GOOGLE`,
   * `AWS`, `OTHER` for AI providers, or a storage provider such as `GCP`. Changing it
   * updates in place.
   */
  provider: pulumi.Input<string>;
  /**
   * The provider's access key or key id. Always stored as a Pulumi secret. Flashback
   * lists it (never the secret), so a change made outside Pulumi shows at refresh.
   */
  key: pulumi.Input<string>;
  /**
   * The provider's secret. Always stored as a Pulumi secret. Changing it (a rotation) is
   * one update of the key; the configurations that reference the key do not change.
   */
  secret: pulumi.Input<string>;
  /** The Flashback workspace that owns the key. Changing it replaces the key. */
  workspaceId: pulumi.Input<string>;
  /**
   * A text that names the key, unique within its workspace: a lost create is resolved
   * and `adoptExisting` finds a key by it. Changing it updates in place.
   */
  description: pulumi.Input<string>;
  /** The provider's base URL, when the key is tied to one. */
  endpoint?: pulumi.Input<string>;
  /** The provider region (cloud providers). */
  region?: pulumi.Input<string>;
  /** The tenant id (Azure-style providers). */
  tenantId?: pulumi.Input<string>;
  /** The subscription id (Azure-style providers). */
  subscriptionId?: pulumi.Input<string>;
  /**
   * When a key with this description already exists in the workspace, take it over and
   * update it to the declared state instead of failing. Default false.
   */
  adoptExisting?: pulumi.Input<boolean>;
}

/**
 * A stored provider API key in a Flashback workspace: one credential, declared once and
 * rotated once, that AI LLM configurations use through their `apiKeyId` instead of an
 * inline secret.
 *
 * Credentials for the Flashback API come from the same place as for `AiLlmConfig`
 * (`flashback:*` stack configuration, the environment, or a `FlashbackProvider`).
 *
 * @example
 * ```ts
 * const openaiKey = new ProviderApiKey("openai-key", {
 *   provider: "OPENAI",
 *   key: "org-main",
 *   secret: config.requireSecret("openaiKey"),
 *   description: "OpenAI, production",
 *   workspaceId: "workspace-123",
 * });
 * new AiLlmConfig("chat", {
 *   name: "Chat",
 *   aiType: "OPENAI",
 *   endpoint: "https://api.openai.com/v1",
 *   apiKeyId: openaiKey.id,
 *   workspaceId: "workspace-123",
 * });
 * ```
 */
export class ProviderApiKey extends pulumi.dynamic.Resource {
  /** The key's id in Flashback (also the resource id): what `AiLlmConfig.apiKeyId` takes. */
  declare readonly apiKeyId: pulumi.Output<string>;
  /** The credential's provider. */
  declare readonly provider: pulumi.Output<string>;
  /** The access key, as a Pulumi secret. */
  declare readonly key: pulumi.Output<string>;
  /** The secret, as a Pulumi secret. */
  declare readonly secret: pulumi.Output<string>;
  /** Owning workspace. */
  declare readonly workspaceId: pulumi.Output<string>;
  /** The key's description, unique within the workspace. */
  declare readonly description: pulumi.Output<string>;
  /** The provider base URL, when set. */
  declare readonly endpoint: pulumi.Output<string | undefined>;
  /** The region, when set. */
  declare readonly region: pulumi.Output<string | undefined>;
  /** The tenant id, when set. */
  declare readonly tenantId: pulumi.Output<string | undefined>;
  /** The subscription id, when set. */
  declare readonly subscriptionId: pulumi.Output<string | undefined>;
  /** Whether an existing key of the same description may be adopted. */
  declare readonly adoptExisting: pulumi.Output<boolean | undefined>;
  /** When Flashback stored the key (ISO 8601). */
  declare readonly createdAt: pulumi.Output<string | undefined>;
  /** How many AI LLM configurations use the key, as of the last create or refresh. */
  declare readonly aiLlmCount: pulumi.Output<number | undefined>;
  /** How many storage buckets use the key, as of the last create or refresh. */
  declare readonly bucketCount: pulumi.Output<number | undefined>;
  /** True when the create took over an existing key (`adoptExisting`) instead of making one. */
  declare readonly adopted: pulumi.Output<boolean | undefined>;

  /** The type token the resource registers with; `@pulumi/policy` matches classes by it. */
  static readonly __pulumiType = "pulumi-nodejs:dynamic/flashback:ProviderApiKey";

  /** True when `obj` is a `ProviderApiKey`, also one made by another copy of this package. */
  static override isInstance(obj: unknown): obj is ProviderApiKey {
    if (obj === undefined || obj === null) return false;
    return (obj as Record<string, unknown>)["__pulumiType"] === ProviderApiKey.__pulumiType;
  }

  /**
   * Declares a stored provider key.
   * @param name The Pulumi resource name.
   * @param args The key's settings.
   * @param opts Pulumi resource options (`provider` for a `FlashbackProvider` account).
   */
  constructor(name: string, args: ProviderApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    warnIfCredentialsNotSecret();
    const restoreStackTraces = skipPromiseStackTraces();
    try {
      super(
        serializableProvider("providerApiKey"),
        name,
        {
          provider: args.provider,
          key: pulumi.secret(args.key),
          secret: pulumi.secret(args.secret),
          workspaceId: args.workspaceId,
          description: args.description,
          endpoint: args.endpoint,
          region: args.region,
          tenantId: args.tenantId,
          subscriptionId: args.subscriptionId,
          adoptExisting: args.adoptExisting,
          // Set only when another resource of this program declares the same description in the
          // same workspace; the provider's check then fails, before anything is written.
          conflict: pulumi
            .all([args.description, args.workspaceId])
            .apply(([description, workspaceId]) => claimStoredKey(name, workspaceId, description)),
          apiKeyId: undefined,
          createdAt: undefined,
          aiLlmCount: undefined,
          bucketCount: undefined,
          adopted: undefined,
        },
        pulumi.mergeOptions(opts, { additionalSecretOutputs: ["secret", "key"] }),
        "flashback",
        "ProviderApiKey",
      );
    } finally {
      restoreStackTraces();
    }
  }
}
