/**
 * The `AiLlmConfig` and `ProviderApiKey` Pulumi resources.
 * @packageDocumentation
 */
export { AiLlmConfig } from "./aiLlmConfig";
export type { AiLlmConfigArgs } from "./aiLlmConfig";
export { ProviderApiKey } from "./providerApiKey";
export type { ProviderApiKeyArgs } from "./providerApiKey";
export { FlashbackProvider } from "./flashbackProvider";
export type { FlashbackProviderArgs } from "./flashbackProvider";
export { providerShim, apiKeyProviderShim } from "./providerShim";
export { serializableProvider } from "./serializableProvider";
