/**
 * One API client per lookup call, closed when the call is done so the program can exit.
 * @packageDocumentation
 */
import type { FlashbackClient } from "../client";
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
    // Loaded on first use: a program that runs no lookup never loads undici or zod.
    const { FlashbackClient: Client } = require("../client") as typeof import("../client");
    client = new Client({
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
