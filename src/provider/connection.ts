import { CredentialFallbackApi, type CredentialCandidate } from "./credentialFallback";
import type { ClientFactory, FlashbackApi } from "./api";
import {
  credentialsFromConfig,
  environmentFallback,
  EXPLICIT_PROVIDER_KEY,
  ProviderConfigurationError,
  resolveSettings,
  type ConfigLookup,
} from "./settings";

/** Longest time a lost create is looked for before it is sent again. */
const LOST_CREATE_WINDOW_CAP_MS = 15_000;

/**
 * A client construction error reworded for a Pulumi user: the client names its own
 * options (`baseUrl`, `allowInsecureHttp`), which a Pulumi user never sets; they set
 * `flashback:apiUrl` / `FLASHBACK_API_URL`, or a FlashbackProvider's `apiUrl`.
 */
function inPulumiTerms(error: unknown, providerName: string | undefined): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (!error.message.startsWith("FlashbackClient: ")) return error;
  const urlSetting = providerName
    ? `the apiUrl of FlashbackProvider "${providerName}"`
    : "flashback:apiUrl (FLASHBACK_API_URL)";
  const message = error.message
    .slice("FlashbackClient: ".length)
    .replace(/, or set allowInsecureHttp if this network is trusted/, "")
    .replace(/an https:\/\/ baseUrl/, "an https:// URL")
    .replace(/ is accepted without it only for/, " is accepted only for")
    .replace(/\bbaseUrl\b/g, urlSetting);
  const reworded = new ProviderConfigurationError(message);
  (reworded as Error & { cause?: unknown }).cause = error;
  return reworded;
}

/**
 * A provider's link to the Flashback API: the settings from `configure`, the client
 * built from them (with the environment's credential as a fallback), and what those
 * settings imply for waiting on a lost create. Each provider of a process has one.
 */
export class ProviderConnection {
  private client: FlashbackApi | undefined;
  private configurationError: Error | undefined;
  /** How long a create whose answer was lost may still land on the server. */
  lostCreateWindowMs = LOST_CREATE_WINDOW_CAP_MS;

  constructor(private readonly clientFactory: ClientFactory) {}

  /**
   * Resolves the settings and builds the client. Throws the configuration error, and
   * keeps it: the host caches a provider even when its configure throws.
   */
  configure(config: ConfigLookup): void {
    const providerName = config(EXPLICIT_PROVIDER_KEY)?.trim() || undefined;
    try {
      const settings = resolveSettings(config);
      const fallback = environmentFallback(settings, config);
      const primary: CredentialCandidate = providerName
        ? { settings, source: "FlashbackProvider", providerName }
        : { settings, source: credentialsFromConfig(config) ? "stack configuration" : "environment" };
      this.client = new CredentialFallbackApi(
        [primary, ...(fallback ? [{ settings: fallback, source: "environment" as const }] : [])],
        this.clientFactory,
      );
      // A server that let one timeout pass may well let two more pass before it
      // finishes; a shorter window resends a create that was about to land.
      this.lostCreateWindowMs = Math.min(
        3 * (settings.requestTimeoutMs ?? 30_000),
        LOST_CREATE_WINDOW_CAP_MS,
      );
      this.configurationError = undefined;
    } catch (error) {
      this.configurationError = inPulumiTerms(error, providerName);
      throw this.configurationError;
    }
  }

  /** The client; configured from the environment alone when `configure` never ran. */
  api(): FlashbackApi {
    if (this.configurationError) throw this.configurationError;
    if (!this.client) this.configure(() => undefined);
    return this.client as FlashbackApi;
  }
}
