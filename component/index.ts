import * as pulumi from "@pulumi/pulumi";
import {
  AiLlmConfig as AiLlmConfigResource,
  ProviderApiKey as ProviderApiKeyResource,
} from "../dist/index.js";

/*
 * The component package behind `packages: { flashback: ... }` in a Pulumi YAML program.
 * A dynamic resource can only be declared from a Node.js program; each component here
 * declares one inside this package's own Node.js process and mirrors its arguments and
 * outputs, so that other languages get the same resource. Pulumi infers the schema from
 * this file's types with an old TypeScript when none is installed: keep to plain
 * interfaces, string enums and `pulumi.Input`/`pulumi.Output` of simple types.
 */

/** The kind of AI provider a configuration talks to. */
export enum AiType {
  /** OpenAI, and any OpenAI-compatible endpoint. */
  OPENAI = "OPENAI",
  /** Google (Gemini). */
  GOOGLE = "GOOGLE",
  /** Anthropic. */
  ANTHROPIC = "ANTHROPIC",
  /** AWS Bedrock. */
  AWS = "AWS",
  /** A custom endpoint. */
  OTHER = "OTHER",
}

/** When a configuration's credentials are tested with Flashback. */
export enum Validate {
  /** Never (the default). */
  off = "off",
  /** After each create or credential change; a failure is recorded and warned. */
  warn = "warn",
  /** After each create or credential change; a failure fails the step. */
  require = "require",
}

/** The arguments of an {@link AiLlmConfig} component: those of the `AiLlmConfig` resource. */
export interface AiLlmConfigArgs {
  /** Display name of the configuration; unique within its workspace. Changing it updates in place. */
  name: pulumi.Input<string>;
  /** The provider type. Changing it updates in place. */
  aiType: pulumi.Input<AiType>;
  /** The provider's API base URL, an absolute http(s) URL such as `https://api.openai.com/v1`. */
  endpoint: pulumi.Input<string>;
  /** The provider's secret, for inline credentials. Stored as a Pulumi secret. Exactly one of `secret` and `apiKeyId`. */
  secret?: pulumi.Input<string>;
  /** An extra access key, for providers that need one (inline credentials only). Stored as a Pulumi secret. */
  key?: pulumi.Input<string>;
  /** The id of a stored provider key (a `ProviderApiKey`'s `apiKeyId`) to take the credentials from instead of `secret`. */
  apiKeyId?: pulumi.Input<string>;
  /** The Flashback workspace that owns the configuration. Changing it replaces the configuration. */
  workspaceId: pulumi.Input<string>;
  /** Whether to test the credentials with Flashback: `off` (default), `warn` or `require`. */
  validate?: pulumi.Input<Validate>;
  /** Take over an existing configuration of the same name in the workspace instead of failing. Default false. */
  adoptExisting?: pulumi.Input<boolean>;
}

/**
 * A Flashback AI LLM configuration: an AI provider's endpoint and credentials, stored in a
 * Flashback workspace. Credentials for Flashback come from the stack configuration
 * `flashback:apiUrl` and `flashback:token` (or `flashback:refreshToken`) or the
 * `FLASHBACK_*` environment variables.
 */
export class AiLlmConfig extends pulumi.ComponentResource {
  /** Flashback's id of the configuration. */
  declare readonly aiLlmId: pulumi.Output<string>;
  /** Display name. */
  declare readonly name: pulumi.Output<string>;
  /** The provider type. */
  declare readonly aiType: pulumi.Output<string>;
  /** The provider's API base URL. */
  declare readonly endpoint: pulumi.Output<string>;
  /** The owning workspace. */
  declare readonly workspaceId: pulumi.Output<string>;
  /** The stored provider key the configuration uses, when it uses one. */
  declare readonly apiKeyId: pulumi.Output<string | undefined>;
  /** The organization that owns the workspace. */
  declare readonly orgId: pulumi.Output<string | undefined>;
  /** When Flashback created the configuration (ISO 8601). */
  declare readonly createdAt: pulumi.Output<string | undefined>;
  /** Repositories that use the configuration, as of the last create or refresh. */
  declare readonly repos: pulumi.Output<string[]>;
  /** Whether the last credential validation passed (unset when `validate` is `off`). */
  declare readonly validated: pulumi.Output<boolean | undefined>;
  /** What the last credential validation said (redacted). */
  declare readonly validationMessage: pulumi.Output<string | undefined>;
  /** True when the create took over an existing configuration (`adoptExisting`). */
  declare readonly adopted: pulumi.Output<boolean | undefined>;
  /** The validation mode. */
  declare readonly validate: pulumi.Output<string | undefined>;
  /** Whether an existing configuration of the same name may be adopted. */
  declare readonly adoptExisting: pulumi.Output<boolean | undefined>;

  /**
   * Declares a configuration.
   * @param name The resource name.
   * @param args The configuration's settings.
   * @param opts Component options.
   */
  constructor(name: string, args: AiLlmConfigArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flashback:index:AiLlmConfig", name, withSecrets(args, ["secret", "key"]), opts);
    const resource = new AiLlmConfigResource(name, args, {
      parent: this,
      dependsOn: storedKeysBehind(args.apiKeyId),
    });
    this.registerOutputs(mirror(this, resource, AI_LLM_CONFIG_OUTPUTS));
  }
}

/** The outputs an {@link AiLlmConfig} component takes from its resource: all but the secrets, which stay there. */
const AI_LLM_CONFIG_OUTPUTS = [
  "aiLlmId",
  "name",
  "aiType",
  "endpoint",
  "workspaceId",
  "apiKeyId",
  "orgId",
  "createdAt",
  "repos",
  "validated",
  "validationMessage",
  "adopted",
  "validate",
  "adoptExisting",
];

/** The arguments of a {@link ProviderApiKey} component: those of the `ProviderApiKey` resource. */
export interface ProviderApiKeyArgs {
  /** The credential's provider as Flashback names it (`OPENAI`, `ANTHROPIC`, `GOOGLE`, `AWS`, `OTHER`, ...). Changing it updates in place. */
  provider: pulumi.Input<string>;
  /** The provider's access key or key id. Stored as a Pulumi secret. */
  key: pulumi.Input<string>;
  /** The provider's secret. Stored as a Pulumi secret; changing it is one update of the key. */
  secret: pulumi.Input<string>;
  /** The Flashback workspace that owns the key. Changing it replaces the key. */
  workspaceId: pulumi.Input<string>;
  /** A text that names the key, unique within its workspace. Changing it updates in place. */
  description: pulumi.Input<string>;
  /** The provider's base URL, when the key is tied to one. */
  endpoint?: pulumi.Input<string>;
  /** The provider region (cloud providers). */
  region?: pulumi.Input<string>;
  /** The tenant id (Azure-style providers). */
  tenantId?: pulumi.Input<string>;
  /** The subscription id (Azure-style providers). */
  subscriptionId?: pulumi.Input<string>;
  /** Take over an existing key of the same description in the workspace instead of failing. Default false. */
  adoptExisting?: pulumi.Input<boolean>;
}

/**
 * A stored provider API key in a Flashback workspace: one credential that configurations
 * use through their `apiKeyId`.
 */
export class ProviderApiKey extends pulumi.ComponentResource {
  /** The key's id in Flashback: what `AiLlmConfig`'s `apiKeyId` takes. */
  declare readonly apiKeyId: pulumi.Output<string>;
  /** The credential's provider. */
  declare readonly provider: pulumi.Output<string>;
  /** The owning workspace. */
  declare readonly workspaceId: pulumi.Output<string>;
  /** The key's description. */
  declare readonly description: pulumi.Output<string>;
  /** When Flashback stored the key (ISO 8601). */
  declare readonly createdAt: pulumi.Output<string | undefined>;
  /** How many AI LLM configurations use the key, as of the last create or refresh. */
  declare readonly aiLlmCount: pulumi.Output<number | undefined>;
  /** How many storage buckets use the key, as of the last create or refresh. */
  declare readonly bucketCount: pulumi.Output<number | undefined>;
  /** True when the create took over an existing key (`adoptExisting`). */
  declare readonly adopted: pulumi.Output<boolean | undefined>;
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

  /**
   * Declares a stored key.
   * @param name The resource name.
   * @param args The key's settings.
   * @param opts Component options.
   */
  constructor(name: string, args: ProviderApiKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flashback:index:ProviderApiKey", name, withSecrets(args, ["secret", "key"]), opts);
    const resource = new ProviderApiKeyResource(name, args, { parent: this });
    this.urn.apply((urn) => storedKeysByComponentUrn.set(urn, resource));
    this.registerOutputs(mirror(this, resource, PROVIDER_API_KEY_OUTPUTS));
  }
}

/** The outputs a {@link ProviderApiKey} component takes from its resource: all but the secrets, which stay there. */
const PROVIDER_API_KEY_OUTPUTS = [
  "apiKeyId",
  "provider",
  "workspaceId",
  "description",
  "createdAt",
  "aiLlmCount",
  "bucketCount",
  "adopted",
  "endpoint",
  "region",
  "tenantId",
  "subscriptionId",
  "adoptExisting",
];

/**
 * The stored-key resource inside each `ProviderApiKey` component this process made, by the
 * component's URN. Pulumi hands a component the other components it depends on as bare
 * URNs, so without this a configuration's resource would depend on the key's component
 * and not on the key itself, and a destroy could delete the key while a configuration
 * still uses it (Flashback refuses that).
 */
const storedKeysByComponentUrn = new Map<string, pulumi.Resource>();

/**
 * The stored-key resources behind an `apiKeyId` argument that came from `ProviderApiKey`
 * components of this process, for the configuration's `dependsOn`.
 */
function storedKeysBehind(apiKeyId: pulumi.Input<string> | undefined): pulumi.Input<pulumi.Resource[]> {
  if (!pulumi.Output.isInstance(apiKeyId)) return [];
  // Every Output knows the resources it came from, though the SDK's types do not say so;
  // an SDK without that method leaves the ordering to the component dependency alone.
  const resources = (apiKeyId as unknown as { resources?: () => Set<pulumi.Resource> }).resources;
  if (typeof resources !== "function") return [];
  const sources = [...resources.call(apiKeyId)];
  return pulumi
    .all(sources.map((source) => source.urn))
    .apply((urns) => urns.flatMap((urn) => storedKeysByComponentUrn.get(urn) ?? []));
}

/**
 * Copies the named outputs of a resource onto its component, and returns them for
 * `registerOutputs`, so that they are in the component's state as well as in what the
 * program that declared it receives.
 */
function mirror(
  component: pulumi.ComponentResource,
  resource: pulumi.Resource,
  names: string[],
): pulumi.Inputs {
  const outputs: pulumi.Inputs = {};
  for (const name of names) {
    outputs[name] = (resource as unknown as pulumi.Inputs)[name];
    (component as unknown as pulumi.Inputs)[name] = outputs[name];
  }
  return outputs;
}

/**
 * The component's own inputs, as recorded in state, with the credential fields made
 * secret: a literal written in a YAML program arrives here as plain text, and without this
 * it would sit unencrypted in the component's inputs.
 */
function withSecrets<T extends object>(args: T, fields: string[]): pulumi.Inputs {
  const inputs: pulumi.Inputs = { ...args };
  for (const field of fields) {
    if (inputs[field] !== undefined) inputs[field] = pulumi.secret(inputs[field]);
  }
  return inputs;
}
