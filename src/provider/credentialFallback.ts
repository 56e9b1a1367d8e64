/**
 * The provider's API access across more than one set of credentials: the stack
 * configuration's first, the environment's when Flashback rejects those.
 * @packageDocumentation
 */
import { isFlashbackError, type FlashbackError } from "../client";
import { createFlashbackError } from "../client/errors";
import { isNotSentError } from "../client/retry";
import { errorCodeOf } from "../client/transport";
import type { ClientFactory, FlashbackApi } from "./api";
import type { ProviderSettings } from "./settings";

/** One set of credentials and where it came from, in the order they are tried. */
export interface CredentialCandidate {
  settings: ProviderSettings;
  /** Where the set came from, for messages: the stack's config, the environment, or a `FlashbackProvider`'s arguments. */
  source: "stack configuration" | "environment" | "FlashbackProvider";
  /** The `FlashbackProvider`'s resource name, when that is the source. */
  providerName?: string;
}

/**
 * Said when every credential was rejected. The engine configures `refresh`, `destroy`
 * and the `--refresh` variants from the configuration recorded at the last `pulumi up`,
 * which is the usual reason a credential rotated in config is not the one sent.
 */
const REJECTED_HINT =
  "`pulumi refresh`, `pulumi destroy`, `pulumi preview --refresh` and `pulumi up --refresh` use the " +
  "flashback:* values recorded by the last `pulumi up`, not ones set since. To use a new credential, " +
  "run refresh or destroy with --run-program (they then read the current config), or set FLASHBACK_TOKEN " +
  "(or FLASHBACK_REFRESH_TOKEN) in the command's environment (tried when the recorded one is rejected), " +
  "or run `pulumi up` first. If the credential in config is itself out of date, set a current one with " +
  "`pulumi config set --secret flashback:token <token>` (or flashback:refreshToken, which is renewed " +
  "automatically and suits long-lived stacks)";

/** Said when the API URL from stack configuration cannot be reached. */
const MOVED_HINT =
  "If the Flashback API moved: `pulumi refresh`, `pulumi destroy` and `--refresh` runs use the flashback:apiUrl " +
  "recorded by the last `pulumi up`. Run the command with FLASHBACK_API_URL (and FLASHBACK_TOKEN or " +
  "FLASHBACK_REFRESH_TOKEN) set to the new values, or with --run-program, or run `pulumi up` first";

/** True when the request failed before a connection opened, so the API never saw it. */
function neverConnected(error: FlashbackError): boolean {
  return error.code === "NETWORK" && isNotSentError(errorCodeOf(error.cause));
}

/** Said when an explicit provider's credential was rejected: its arguments are recorded the same way. */
const EXPLICIT_REJECTED_HINT =
  "Check the token or refreshToken given to the FlashbackProvider. `pulumi refresh`, `pulumi destroy` and " +
  "`--refresh` runs use the arguments recorded by the last `pulumi up`: after a rotation, run refresh or " +
  "destroy with --run-program, or run `pulumi up` first";

/**
 * A {@link FlashbackApi} that moves to the next credential candidate when the API
 * answers 401, or when its URL cannot be reached and the next candidate names another
 * (both prove nothing was processed, so the call is simply sent again), and stays there
 * for the rest of the process. Later candidates' clients are built when first needed.
 */
export class CredentialFallbackApi implements FlashbackApi {
  private index = 0;
  private readonly clients: (FlashbackApi | undefined)[];

  /**
   * @param candidates - credential sets in the order to try them; at least one.
   * @param factory - builds a client for one set.
   */
  constructor(
    private readonly candidates: readonly CredentialCandidate[],
    private readonly factory: ClientFactory,
  ) {
    if (candidates.length === 0) throw new Error("at least one credential candidate is required");
    this.clients = candidates.map(() => undefined);
    // The first is built now, so that a setting the client refuses (say a token over plain
    // http to a remote host) fails at configure, as it did before there were candidates.
    this.client(0);
  }

  /** {@inheritDoc FlashbackClient.createAiLlm} */
  createAiLlm: FlashbackApi["createAiLlm"] = (...args) => this.call((api) => api.createAiLlm(...args));
  /** {@inheritDoc FlashbackClient.listAiLlms} */
  listAiLlms: FlashbackApi["listAiLlms"] = (...args) => this.call((api) => api.listAiLlms(...args));
  /** {@inheritDoc FlashbackClient.updateAiLlm} */
  updateAiLlm: FlashbackApi["updateAiLlm"] = (...args) => this.call((api) => api.updateAiLlm(...args));
  /** {@inheritDoc FlashbackClient.deleteAiLlm} */
  deleteAiLlm: FlashbackApi["deleteAiLlm"] = (...args) => this.call((api) => api.deleteAiLlm(...args));
  /** {@inheritDoc FlashbackClient.validateAiLlm} */
  validateAiLlm: FlashbackApi["validateAiLlm"] = (...args) => this.call((api) => api.validateAiLlm(...args));
  /** {@inheritDoc FlashbackClient.createApiKey} */
  createApiKey: FlashbackApi["createApiKey"] = (...args) => this.call((api) => api.createApiKey(...args));
  /** {@inheritDoc FlashbackClient.listApiKeys} */
  listApiKeys: FlashbackApi["listApiKeys"] = (...args) => this.call((api) => api.listApiKeys(...args));
  /** {@inheritDoc FlashbackClient.updateApiKey} */
  updateApiKey: FlashbackApi["updateApiKey"] = (...args) => this.call((api) => api.updateApiKey(...args));
  /** {@inheritDoc FlashbackClient.deleteApiKey} */
  deleteApiKey: FlashbackApi["deleteApiKey"] = (...args) => this.call((api) => api.deleteApiKey(...args));

  private async call<T>(send: (api: FlashbackApi) => Promise<T>): Promise<T> {
    for (;;) {
      const index = this.index;
      try {
        return await send(this.client(index));
      } catch (error) {
        if (!isFlashbackError(error)) throw error;
        if (error.code === "UNAUTHORIZED") {
          if (index + 1 >= this.candidates.length) throw this.rejected(error);
        } else if (!this.unreachableWithAnotherUrl(error, index)) {
          throw this.unreachable(error, index);
        }
        // Concurrent calls that failed on the same candidate advance it once.
        if (this.index === index) this.index = index + 1;
      }
    }
  }

  /**
   * True when the candidate's API URL could not be reached at all (the connection never
   * opened, so nothing was sent) and the next candidate names another URL: the API moved,
   * and the environment says where, while the engine still hands over the old URL.
   */
  private unreachableWithAnotherUrl(error: FlashbackError, index: number): boolean {
    const next = this.candidates[index + 1];
    if (next === undefined || next.settings.apiUrl === this.candidates[index].settings.apiUrl) return false;
    return neverConnected(error);
  }

  /**
   * A URL from stack configuration that cannot be reached, with what to do when the API
   * moved: the engine hands `refresh` and `destroy` the URL recorded by the last `up`.
   */
  private unreachable(error: FlashbackError, index: number): FlashbackError {
    if (this.candidates[index].source !== "stack configuration" || !neverConnected(error)) return error;
    return createFlashbackError("NETWORK", {
      message: `${error.message}. ${MOVED_HINT}`,
      method: error.method,
      path: error.path,
      cause: error.cause,
    });
  }

  private client(index: number): FlashbackApi {
    let client = this.clients[index];
    if (!client) {
      client = this.factory(this.candidates[index].settings);
      this.clients[index] = client;
    }
    return client;
  }

  /** The last 401, reworded to name what a Pulumi user sets and why a new value may not be seen. */
  private rejected(error: FlashbackError): FlashbackError {
    const tried = this.candidates.map((c) => describeCredential(c)).join(", then ");
    let message = `Flashback API ${error.method} ${error.path} failed with ${error.status ?? 401}`;
    if (error.apiMessage !== undefined) message += `: ${error.apiMessage}`;
    const hint = this.candidates[0].source === "FlashbackProvider" ? EXPLICIT_REJECTED_HINT : REJECTED_HINT;
    message += `. Flashback rejected the credential from ${tried}. ${hint}`;
    return createFlashbackError("UNAUTHORIZED", {
      message,
      method: error.method,
      path: error.path,
      status: error.status,
      apiMessage: error.apiMessage,
    });
  }
}

function describeCredential({ settings, source, providerName }: CredentialCandidate): string {
  if (source === "FlashbackProvider") {
    const args = [settings.token && "token", settings.refreshToken && "refreshToken"].filter(Boolean);
    return `${args.join(" and ")} of FlashbackProvider "${providerName}"`;
  }
  const names =
    source === "environment"
      ? [settings.token && "FLASHBACK_TOKEN", settings.refreshToken && "FLASHBACK_REFRESH_TOKEN"]
      : [settings.token && "flashback:token", settings.refreshToken && "flashback:refreshToken"];
  return `${names.filter(Boolean).join(" and ")} (${source})`;
}
