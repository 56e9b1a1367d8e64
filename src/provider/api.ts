import { FlashbackClient, type FlashbackClientOptions } from "../client";
import type { ProviderSettings } from "./settings";

/** The client calls the providers make; a {@link FlashbackClient} has them all. */
export type FlashbackApi = Pick<
  FlashbackClient,
  | "createAiLlm"
  | "listAiLlms"
  | "updateAiLlm"
  | "deleteAiLlm"
  | "validateAiLlm"
  | "createApiKey"
  | "listApiKeys"
  | "updateApiKey"
  | "deleteApiKey"
>;

/** How a provider gets its client; tests pass their own options through here. */
export type ClientFactory = (settings: ProviderSettings) => FlashbackApi;

/** The client a provider uses unless told otherwise. */
export const defaultClientFactory: ClientFactory = (settings) =>
  new FlashbackClient({
    baseUrl: settings.apiUrl,
    accessToken: settings.token,
    refreshToken: settings.refreshToken,
    requestTimeoutMs: settings.requestTimeoutMs,
  } satisfies FlashbackClientOptions);
