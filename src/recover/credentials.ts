import { FlashbackClient } from "../client";
import { resolveSettings, type ConfigLookup } from "../provider/settings";

/**
 * Reads the output of `pulumi config --json --show-secrets` as a lookup of plain
 * values. Never quotes the text in its errors: it holds credentials.
 * @throws Error when the text is not that command's JSON.
 */
export function stackConfigLookup(text: string): ConfigLookup {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("`pulumi config --json` did not print JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error("`pulumi config --json` did not print an object");
  }
  const entries = json as Record<string, unknown>;
  return (key) => {
    const entry = entries[key];
    if (typeof entry !== "object" || entry === null) return undefined;
    const value = (entry as { value?: unknown }).value;
    if (typeof value === "string") return value;
    return typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
  };
}

/**
 * Builds the API client the way the provider does: stack configuration first, the
 * environment second ({@link resolveSettings}). The caller closes it.
 * @throws ProviderConfigurationError naming how to set what is missing (never a value).
 */
export function clientFromSettings(
  config: ConfigLookup,
  env: NodeJS.ProcessEnv = process.env,
): FlashbackClient {
  const settings = resolveSettings(config, env);
  return new FlashbackClient({
    baseUrl: settings.apiUrl,
    accessToken: settings.token,
    refreshToken: settings.refreshToken,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
}
