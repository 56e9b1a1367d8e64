/**
 * The dynamic provider behind `AiLlmConfig`. The provider shim that Pulumi
 * serializes into state requires `pulumi-flashback/provider` (the same
 * {@link provider}), so the code that runs is always the installed version's.
 * @packageDocumentation
 */
import processProvider = require("./processProvider");

export { AiLlmConfigProvider } from "./provider";
export { ProviderApiKeyProvider } from "./apiKey/provider";
export type { ProviderApiKeyProviderOptions } from "./apiKey/provider";
export type { ProviderApiKeyInputs, ProviderApiKeyOutputs } from "./apiKey/fields";
export type { AiLlmConfigProviderOptions, ClientFactory, FlashbackApi } from "./provider";
export * from "./inputs";
export { AI_LLM_CONFIG_FIELDS, type DeclaredField, type DeclaredInputs } from "./fields";
export { checkInputs } from "./check";
export { diffInputs, changedUpdatableFields } from "./diff";
export { resolveSettings, ProviderConfigurationError } from "./settings";
export type { ProviderSettings, ConfigLookup } from "./settings";
export { WorkspaceListCache } from "./workspaceListCache";
export type { WorkspaceListCacheOptions, WorkspaceLister } from "./workspaceListCache";

/** The one provider of this process, configured once and shared by every resource. */
export const provider = processProvider;
