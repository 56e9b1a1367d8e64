/**
 * The `AiLlmConfig` Pulumi resource.
 * @packageDocumentation
 */
export { AiLlmConfig } from "./aiLlmConfig";
export type { AiLlmConfigArgs } from "./aiLlmConfig";
export { providerShim } from "./providerShim";
export { serializableProvider } from "./serializableProvider";
