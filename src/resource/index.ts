/**
 * The `AiLlmConfig` Pulumi resource.
 * @packageDocumentation
 */
export { AiLlmConfig } from "./aiLlmConfig";
export type { AiLlmConfigArgs } from "./aiLlmConfig";
export { FlashbackProvider } from "./flashbackProvider";
export type { FlashbackProviderArgs } from "./flashbackProvider";
export { providerShim } from "./providerShim";
export { serializableProvider } from "./serializableProvider";
