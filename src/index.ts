/**
 * pulumi-flashback: Flashback AI LLM configurations and stored provider keys as Pulumi
 * resources, and lookups of what Flashback holds.
 *
 * The root holds what a Pulumi program needs and loads nothing heavy: the API client
 * (undici, zod) loads in the provider process, or when a lookup first runs. The client
 * itself is `pulumi-flashback/client`, the local emulator `pulumi-flashback/emulator`.
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
export type { AiType } from "./schemas";
