import { FlashbackClient } from "../src/client";
import type { ClientFactory, FlashbackApi } from "../src/provider/api";

/** One client call a provider made, with its arguments. */
export interface RecordedCall {
  method: string;
  args: unknown[];
}

/**
 * A client factory for provider tests: real `FlashbackClient`s (fast retries), each
 * wrapped so that every call and its arguments are recorded in `calls`, and every client
 * kept in `clients` so a test can close them.
 */
export function recordingClientFactory(calls: RecordedCall[], clients: FlashbackClient[]): ClientFactory {
  return (settings) => {
    const client = new FlashbackClient({
      baseUrl: settings.apiUrl,
      accessToken: settings.token,
      refreshToken: settings.refreshToken,
      retryBaseDelayMs: 5,
      requestTimeoutMs: settings.requestTimeoutMs,
    });
    clients.push(client);
    return new Proxy(client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push({ method: String(property), args });
          return value.apply(target, args);
        };
      },
    }) as FlashbackApi;
  };
}
