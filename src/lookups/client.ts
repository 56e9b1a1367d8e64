/**
 * One API client per lookup call, closed when the call is done so the program can exit.
 * @packageDocumentation
 */
import { FlashbackClient } from "../client";
import type { ProviderSettings } from "../provider/settings";
import { withLookupContext } from "./errors";

/**
 * Runs `use` with a {@link FlashbackClient} built from `settings` as the provider builds
 * its own, and closes it afterwards. Errors get `context` in front of their message.
 */
export async function withClient<T>(
  context: string,
  settings: ProviderSettings,
  use: (client: FlashbackClient) => Promise<T>,
): Promise<T> {
  let client: FlashbackClient;
  try {
    client = new FlashbackClient({
      baseUrl: settings.apiUrl,
      accessToken: settings.token,
      refreshToken: settings.refreshToken,
      requestTimeoutMs: settings.requestTimeoutMs,
    });
  } catch (error) {
    throw withLookupContext(context, error);
  }
  try {
    return await use(client);
  } catch (error) {
    throw withLookupContext(context, error);
  } finally {
    await client.close();
  }
}
