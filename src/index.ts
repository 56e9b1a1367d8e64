/**
 * pulumi-flashback: Flashback AI LLM configurations as Pulumi resources, the
 * client they use, and a local emulator of the Flashback API.
 * @packageDocumentation
 */
export {
  AiLlmConfig,
  type AiLlmConfigArgs,
  ProviderApiKey,
  type ProviderApiKeyArgs,
  FlashbackProvider,
  type FlashbackProviderArgs,
} from "./resource";
export * from "./lookups";
export * from "./client";
export * from "./schemas";
export { startEmulator, DEFAULT_EMULATOR_TOKEN } from "./emulator";
export type { EmulatorOptions, RunningEmulator, TokenSeed, RefreshTokenSeed } from "./emulator";
