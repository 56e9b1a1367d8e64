/* global require */
"use strict";

/*
 * A CrossGuard policy pack for Flashback AI LLM configurations (pulumi-flashback).
 *
 *   pulumi preview --policy-pack path/to/examples/policy
 *   pulumi up --policy-pack path/to/examples/policy [--policy-pack-config config.json]
 *
 * Every policy matches AiLlmConfig with validateResourceOfType(AiLlmConfig, ...), which
 * needs AiLlmConfig.__pulumiType and AiLlmConfig.isInstance (pulumi-flashback 0.1.0 with
 * AiLlmConfig.get and later): with an older package the policies would never fire.
 */

const { PolicyPack, Secret, validateResourceOfType } = require("@pulumi/policy");
const { AiLlmConfig } = require("pulumi-flashback");

if (typeof AiLlmConfig.__pulumiType !== "string") {
  // validateResourceOfType would silently match nothing: fail loudly instead.
  throw new Error(
    "this policy pack needs a pulumi-flashback with AiLlmConfig.__pulumiType (0.1.0 with AiLlmConfig.get)",
  );
}

const ALL_AI_TYPES = ["OPENAI", "GOOGLE", "ANTHROPIC", "AWS", "OTHER"];
const DEFAULT_AI_TYPES = ["OPENAI", "ANTHROPIC", "GOOGLE", "AWS"];
const DEFAULT_PROD_STACKS = ["prod"];

/** The provider type of the default dynamic provider and of FlashbackProvider. */
const NODEJS_PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";
/** Provider inputs that hold a Flashback credential (the stack configuration, recorded by the engine). */
const PROVIDER_CREDENTIAL_KEYS = ["flashback:token", "flashback:refreshToken"];
/** AiLlmConfig inputs that hold a credential. */
const RESOURCE_CREDENTIAL_KEYS = ["secret", "key"];

/** The stack a resource belongs to, read from its URN: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
function stackOf(urn) {
  return urn.slice("urn:pulumi:".length).split("::")[0];
}

/*
 * Secretness. @pulumi/policy hands validateResource the inputs with secrets unwrapped
 * into plain values, so a validation cannot tell a secret from a plain string. Only a
 * remediation sees it: there the engine's secret values arrive as `Secret` objects, which
 * Object.getOwnPropertyDescriptor reaches under the SDK's proxies. The engine runs every
 * remediation of a resource before analysing it, in this same process, so the remediation
 * below (which changes nothing) records which credentials are plain, by URN, and the
 * validation reports them. That is why `flashback-credentials-secret` has the enforcement
 * level "remediate" (its violations are reported as mandatory ones).
 */
const plainCredentialsByUrn = new Map();

function plainCredentials(props, keys) {
  return keys.filter((key) => {
    const descriptor = Object.getOwnPropertyDescriptor(props, key);
    return (
      descriptor !== undefined && descriptor.value !== undefined && !(descriptor.value instanceof Secret)
    );
  });
}

new PolicyPack("flashback", {
  policies: [
    {
      name: "flashback-https-endpoint",
      description: "AI LLM configurations must point at an https:// endpoint.",
      enforcementLevel: "mandatory",
      validateResource: validateResourceOfType(AiLlmConfig, (config, _args, reportViolation) => {
        if (!/^https:\/\//i.test(config.endpoint)) {
          reportViolation(
            `endpoint "${config.endpoint}" does not use https: the provider's credentials would cross the ` +
              "network in clear text. Use the provider's https:// URL.",
          );
        }
      }),
    },
    {
      name: "flashback-allowed-ai-types",
      description: "AI LLM configurations must use an approved provider type (configurable: allowedAiTypes).",
      enforcementLevel: "mandatory",
      configSchema: {
        properties: {
          allowedAiTypes: {
            type: "array",
            items: { type: "string", enum: ALL_AI_TYPES },
            default: DEFAULT_AI_TYPES,
          },
        },
      },
      validateResource: validateResourceOfType(AiLlmConfig, (config, args, reportViolation) => {
        const allowed = args.getConfig().allowedAiTypes ?? DEFAULT_AI_TYPES;
        if (!allowed.includes(config.aiType)) {
          reportViolation(
            `aiType "${config.aiType}" is not allowed here; allowed: ${allowed.join(", ")} ` +
              "(policy config allowedAiTypes).",
          );
        }
      }),
    },
    {
      name: "flashback-validate-in-prod",
      description:
        'In production stacks (policy config prodStacks, default ["prod"]), AI LLM configurations must ' +
        'test their credentials: validate "warn" or "require".',
      enforcementLevel: "mandatory",
      configSchema: {
        properties: {
          prodStacks: { type: "array", items: { type: "string" }, default: DEFAULT_PROD_STACKS },
        },
      },
      validateResource: validateResourceOfType(AiLlmConfig, (config, args, reportViolation) => {
        const prodStacks = args.getConfig().prodStacks ?? DEFAULT_PROD_STACKS;
        const stack = stackOf(args.urn);
        if (!prodStacks.includes(stack)) return;
        if (config.validate === undefined || config.validate === "off") {
          const shown = config.validate === undefined ? "unset" : '"off"';
          reportViolation(
            `validate is ${shown} in the production stack "${stack}": set validate: "warn" (record and warn) ` +
              'or "require" (fail the step) so that broken credentials show at deployment.',
          );
        }
      }),
    },
    {
      name: "flashback-credentials-secret",
      description:
        "Flashback and AI provider credentials must be Pulumi secrets: AiLlmConfig secret/key, and " +
        "flashback:token / flashback:refreshToken in stack configuration (pulumi config set --secret).",
      // "remediate" so that remediateResource runs: only it can see which values are secrets.
      enforcementLevel: "remediate",
      remediateResource: (args) => {
        const keys =
          args.type === AiLlmConfig.__pulumiType
            ? RESOURCE_CREDENTIAL_KEYS
            : args.type === NODEJS_PROVIDER_TYPE
              ? PROVIDER_CREDENTIAL_KEYS
              : [];
        if (keys.length > 0) plainCredentialsByUrn.set(args.urn, plainCredentials(args.props, keys));
        return undefined; // observe only: change nothing
      },
      validateResource: validateResourceOfType(AiLlmConfig, (_config, args, reportViolation) => {
        for (const key of plainCredentialsByUrn.get(args.urn) ?? []) {
          reportViolation(
            `${key} is not a Pulumi secret: pass it with config.requireSecret() or pulumi.secret().`,
          );
        }
        const encrypted = args.opts.additionalSecretOutputs ?? [];
        const unencrypted = RESOURCE_CREDENTIAL_KEYS.filter((key) => !encrypted.includes(key));
        if (unencrypted.length > 0) {
          reportViolation(
            `${unencrypted.join(" and ")} would be stored in the state unencrypted ` +
              "(missing from additionalSecretOutputs): declare it with pulumi-flashback's AiLlmConfig.",
          );
        }
        const provider = args.provider;
        for (const key of (provider && plainCredentialsByUrn.get(provider.urn)) ?? []) {
          reportViolation(
            `its provider (${provider.name}) gets ${key} from stack configuration in plain text, and the ` +
              `engine records it in the state as is: run pulumi config set --secret ${key} <value>.`,
          );
        }
      }),
    },
  ],
});
