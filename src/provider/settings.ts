/** Where the provider finds the Flashback API and how it authenticates. */
export interface ProviderSettings {
  apiUrl: string;
  token?: string;
  refreshToken?: string;
  /** Per-attempt timeout of API requests, when set; the client's default otherwise. */
  requestTimeoutMs?: number;
}

/** Reads one configuration value; `undefined` when it is not set. */
export type ConfigLookup = (key: string) => string | undefined;

/** Raised when the API URL or the credentials are missing; the message names both ways to set them. */
export class ProviderConfigurationError extends Error {
  override readonly name = "ProviderConfigurationError";
}

/**
 * The configuration key an explicit `FlashbackProvider` sets to its own resource name.
 * Its presence means the settings came from that provider's arguments, not from stack
 * configuration: messages then name the provider's arguments, and the environment is
 * not consulted (an explicit provider names one account; another account's token from
 * the environment must never stand in for it).
 */
export const EXPLICIT_PROVIDER_KEY = "flashback:providerName";

const SETTINGS = {
  apiUrl: { config: "flashback:apiUrl", env: "FLASHBACK_API_URL" },
  token: { config: "flashback:token", env: "FLASHBACK_TOKEN" },
  refreshToken: { config: "flashback:refreshToken", env: "FLASHBACK_REFRESH_TOKEN" },
  requestTimeoutMs: { config: "flashback:requestTimeoutMs", env: "FLASHBACK_REQUEST_TIMEOUT_MS" },
} as const;

function pick(
  config: ConfigLookup,
  env: NodeJS.ProcessEnv,
  setting: keyof typeof SETTINGS,
): string | undefined {
  const { config: configKey, env: envKey } = SETTINGS[setting];
  const value = config(configKey) ?? env[envKey];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/**
 * Resolves the provider's settings: stack configuration (namespace `flashback`)
 * first, the environment second. Throws a {@link ProviderConfigurationError} that
 * says how to set what is missing; never includes a credential in the message.
 */
export function resolveSettings(
  config: ConfigLookup,
  env: NodeJS.ProcessEnv = process.env,
): ProviderSettings {
  const explicitProvider = present(config(EXPLICIT_PROVIDER_KEY));
  if (explicitProvider !== undefined) return resolveExplicitSettings(explicitProvider, config);
  const apiUrl = pick(config, env, "apiUrl");
  const token = pick(config, env, "token");
  const refreshToken = pick(config, env, "refreshToken");
  const timeout = pick(config, env, "requestTimeoutMs");
  const missing: string[] = [];
  const requestTimeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (requestTimeoutMs !== undefined && !(Number.isInteger(requestTimeoutMs) && requestTimeoutMs > 0)) {
    missing.push(
      "flashback:requestTimeoutMs (FLASHBACK_REQUEST_TIMEOUT_MS) must be a whole number of milliseconds above 0",
    );
  }
  if (apiUrl === undefined) {
    missing.push(
      "the Flashback API URL is not set: run `pulumi config set flashback:apiUrl <url>` or set FLASHBACK_API_URL",
    );
  }
  if (token === undefined && refreshToken === undefined) {
    missing.push(
      "no Flashback credential is set: run `pulumi config set --secret flashback:token <access token>` " +
        "(or `flashback:refreshToken`), or set FLASHBACK_TOKEN (or FLASHBACK_REFRESH_TOKEN)",
    );
  }
  if (missing.length > 0) throw new ProviderConfigurationError(missing.join("; "));
  return { apiUrl: apiUrl as string, token, refreshToken, requestTimeoutMs };
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** The settings of an explicit `FlashbackProvider`: its arguments only, messages naming them. */
function resolveExplicitSettings(providerName: string, config: ConfigLookup): ProviderSettings {
  const apiUrl = present(config(SETTINGS.apiUrl.config));
  const token = present(config(SETTINGS.token.config));
  const refreshToken = present(config(SETTINGS.refreshToken.config));
  const timeout = present(config(SETTINGS.requestTimeoutMs.config));
  const requestTimeoutMs = timeout === undefined ? undefined : Number(timeout);
  const problems: string[] = [];
  if (requestTimeoutMs !== undefined && !(Number.isInteger(requestTimeoutMs) && requestTimeoutMs > 0)) {
    problems.push("requestTimeoutMs must be a whole number of milliseconds above 0");
  }
  if (apiUrl === undefined) problems.push("apiUrl is not set: pass the Flashback API URL");
  if (token === undefined && refreshToken === undefined) {
    problems.push("no credential is set: pass token (an access token) or refreshToken");
  }
  if (problems.length > 0) {
    throw new ProviderConfigurationError(`FlashbackProvider "${providerName}": ${problems.join("; ")}`);
  }
  return { apiUrl: apiUrl as string, token, refreshToken, requestTimeoutMs };
}

/** True when the stack configuration, not the environment, supplied a credential. */
export function credentialsFromConfig(config: ConfigLookup): boolean {
  return (
    present(config(EXPLICIT_PROVIDER_KEY)) !== undefined ||
    present(config(SETTINGS.token.config)) !== undefined ||
    present(config(SETTINGS.refreshToken.config)) !== undefined
  );
}

/**
 * The environment's credentials, to try when Flashback rejects the ones from stack
 * configuration; undefined when the environment has none or the same ones.
 *
 * Why: `pulumi refresh`, `pulumi destroy` and the `--refresh` variants configure the
 * provider with the stack configuration recorded at the last `pulumi up`, not with the
 * current one, so a token rotated in config since then never reaches them. The
 * provider process does inherit the command's environment, so a current credential
 * there can stand in. A set from the environment is taken whole: its own
 * FLASHBACK_API_URL when given, the configured URL otherwise.
 */
export function environmentFallback(
  primary: ProviderSettings,
  config: ConfigLookup,
  env: NodeJS.ProcessEnv = process.env,
): ProviderSettings | undefined {
  if (!credentialsFromConfig(config) || present(config(EXPLICIT_PROVIDER_KEY)) !== undefined)
    return undefined;
  const token = present(env[SETTINGS.token.env]);
  const refreshToken = present(env[SETTINGS.refreshToken.env]);
  if (token === undefined && refreshToken === undefined) return undefined;
  const apiUrl = present(env[SETTINGS.apiUrl.env]) ?? primary.apiUrl;
  if (token === primary.token && refreshToken === primary.refreshToken && apiUrl === primary.apiUrl) {
    return undefined;
  }
  return { apiUrl, token, refreshToken, requestTimeoutMs: primary.requestTimeoutMs };
}
