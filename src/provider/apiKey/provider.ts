import type { dynamic } from "@pulumi/pulumi";
import type { CreateApiKeyRequest, StoredApiKey, UpdateApiKeyRequest } from "../../schemas";
import { defaultClientFactory, type ClientFactory, type FlashbackApi } from "../api";
import { hasCode, withContext } from "../apiErrors";
import { ProviderConnection } from "../connection";
import { MAX_LOST_CREATE_ROUNDS, waitForLanding } from "../lostCreate";
import { compact } from "../outputs";
import { WorkspaceListCache, type WorkspaceListCacheOptions } from "../workspaceListCache";
import {
  API_KEY_FIELD_NAMES,
  API_KEY_FIELDS,
  changedApiKeyFields,
  checkApiKeyInputs,
  declaredApiKeyInputs,
  diffApiKeyInputs,
  type ProviderApiKeyInputs,
  type ProviderApiKeyOutputs,
} from "./fields";

/** Options of {@link ProviderApiKeyProvider}. */
export interface ProviderApiKeyProviderOptions {
  /** Builds the API client from the resolved settings. Default: a `FlashbackClient`. */
  clientFactory?: ClientFactory;
  /** Tuning of the shared workspace list. */
  listCache?: WorkspaceListCacheOptions;
  /** Where warnings go (the CLI shows the provider's stderr). Default: console.warn. */
  warn?: (message: string) => void;
}

/** A quoted resource name for messages: the key's description and where it lives. */
function describe(inputs: { description?: unknown; workspaceId?: unknown }): string {
  return `stored provider key "${String(inputs.description)}" in workspace "${String(inputs.workspaceId)}"`;
}

/** A listed `key` that is masked (or absent) says nothing about the stored value. */
function readableKey(key: string | null | undefined): string | undefined {
  return typeof key === "string" && key !== "" && !/[*•]/.test(key) ? key : undefined;
}

/**
 * The dynamic provider behind `ProviderApiKey`: a stored provider API key (`/apikeys`)
 * that AI LLM configurations reference by id. Same conventions as the configuration's
 * provider: secrets only in state, one list per workspace for drift, a lost create
 * resolved by looking the key up (by its description, unique per workspace), delete of
 * a key already gone is success.
 */
export class ProviderApiKeyProvider implements dynamic.ResourceProvider<
  ProviderApiKeyInputs,
  ProviderApiKeyOutputs
> {
  private readonly connection: ProviderConnection;
  private readonly lists: WorkspaceListCache<StoredApiKey>;
  private readonly warn: (message: string) => void;

  constructor(options: ProviderApiKeyProviderOptions = {}) {
    this.connection = new ProviderConnection(options.clientFactory ?? defaultClientFactory);
    this.warn = options.warn ?? ((message) => console.warn(message));
    this.lists = new WorkspaceListCache<StoredApiKey>(
      (workspaceId) => this.api().listApiKeys({ workspaceId }),
      options.listCache,
    );
  }

  /** Reads `flashback:*` stack configuration (or the environment) and builds the client. */
  async configure(req: dynamic.ConfigureRequest): Promise<void> {
    this.connection.configure((key) => req.config.get(key));
  }

  /** Validates inputs without calling the API, so bad input fails at preview. */
  async check(
    _olds: ProviderApiKeyInputs,
    news: ProviderApiKeyInputs,
  ): Promise<dynamic.CheckResult<ProviderApiKeyInputs>> {
    const failures = checkApiKeyInputs(news);
    return failures.length > 0 ? { inputs: news, failures } : { inputs: news };
  }

  /** A workspace change replaces the key; everything else (a rotation too) updates it in place. */
  async diff(
    _id: string,
    olds: ProviderApiKeyOutputs,
    news: ProviderApiKeyInputs,
  ): Promise<dynamic.DiffResult> {
    return diffApiKeyInputs(
      olds as unknown as Record<string, unknown>,
      news as unknown as Record<string, unknown>,
    );
  }

  /** Stores the key; a lost answer is resolved by description, and `adoptExisting` takes one over. */
  async create(inputs: ProviderApiKeyInputs): Promise<dynamic.CreateResult<ProviderApiKeyOutputs>> {
    // Read-back lists of the workspace wait for this create, so one list serves a batch.
    const landed = this.lists.holdForCreate(inputs.workspaceId);
    let created: { id: string; adopted: boolean };
    try {
      created = await this.createOrAdopt(inputs);
      this.lists.invalidate(inputs.workspaceId);
    } finally {
      landed();
    }
    const { id, adopted } = created;
    const sentAfter = Date.now();
    let live: StoredApiKey | undefined;
    try {
      live = (await this.lists.listSentAfter(inputs.workspaceId, sentAfter)).find((k) => k.id === id);
    } catch {
      this.warn(`warning: ${describe(inputs)} was created, but reading back its details failed`);
    }
    if (adopted) {
      this.warn(
        `warning: ${describe(inputs)} already existed (id ${id}) and was adopted, not created: this stack now ` +
          "manages it, and deleting the resource deletes it for everyone who uses it",
      );
    }
    return { id, outs: this.outputs(id, inputs, live, { adopted: adopted || undefined }) };
  }

  /** Sends only the changed fields: a rotation is one `PUT` of the secret, and no configuration changes. */
  async update(
    id: string,
    olds: ProviderApiKeyOutputs,
    news: ProviderApiKeyInputs,
  ): Promise<dynamic.UpdateResult<ProviderApiKeyOutputs>> {
    const fields = changedApiKeyFields(
      olds as unknown as Record<string, unknown>,
      news as unknown as Record<string, unknown>,
    );
    if (fields.length > 0) {
      const body: Record<string, unknown> = {};
      for (const field of fields) body[field] = news[field];
      try {
        await this.api().updateApiKey(id, body as UpdateApiKeyRequest);
      } catch (error) {
        if (hasCode(error, "NOT_FOUND")) {
          throw new Error(
            `${describe(news)} (id ${id}) no longer exists in Flashback. Run \`pulumi refresh\` to drop it from ` +
              "the state, then `pulumi up` to create it again (and the configurations that use it will follow).",
          );
        }
        throw withContext(`updating ${describe(news)} failed`, error);
      }
      this.lists.invalidate(news.workspaceId);
    }
    return {
      outs: this.outputs(id, news, undefined, {
        createdAt: olds.createdAt,
        aiLlmCount: olds.aiLlmCount,
        bucketCount: olds.bucketCount,
        adopted: olds.adopted,
      }),
    };
  }

  /**
   * Reads the live key from its workspace's list. Gone: an empty id, so a refresh drops
   * it. Changed outside Pulumi: the listed fields come back as inputs, so the next
   * `pulumi up` puts the declared values back. The secret is never listed, so it is kept.
   */
  async read(id: string, props?: ProviderApiKeyOutputs): Promise<dynamic.ReadResult<ProviderApiKeyOutputs>> {
    const state = (props ?? {}) as Partial<ProviderApiKeyOutputs>;
    if (!state.workspaceId) {
      throw new Error(`reading stored provider key ${id}: its workspaceId is not in the state`);
    }
    let keys: StoredApiKey[];
    try {
      keys = await this.lists.list(state.workspaceId);
    } catch (error) {
      throw withContext(`reading ${describe(state)} (id ${id}) failed`, error);
    }
    const live = keys.find((k) => k.id === id);
    if (!live) return { id: "" };
    const listed: Record<string, unknown> = {};
    for (const field of API_KEY_FIELD_NAMES) {
      if (!API_KEY_FIELDS[field].listed || field === "key") continue;
      listed[field] = live[field] ?? undefined;
    }
    const inputs = compact({
      ...declaredApiKeyInputs(state as Record<string, unknown>),
      ...listed,
      key: readableKey(live.key) ?? state.key,
    }) as ProviderApiKeyInputs;
    const outs = this.outputs(id, inputs, live, { adopted: state.adopted });
    return { id, props: outs, inputs: inputs as ProviderApiKeyOutputs };
  }

  /** Deletes the key; already gone is success; in use names the configurations (the API's message). */
  async delete(id: string, props: ProviderApiKeyOutputs): Promise<void> {
    try {
      await this.api().deleteApiKey(id);
    } catch (error) {
      if (hasCode(error, "NOT_FOUND")) return;
      if (hasCode(error, "FORBIDDEN") || hasCode(error, "CONFLICT")) {
        throw withContext(
          `cannot delete ${describe(props)} (id ${id}): Flashback refused, as it does while configurations ` +
            "use the key. Point those configurations at other credentials (or delete them), then run the " +
            "operation again",
          error,
        );
      }
      throw withContext(`deleting ${describe(props)} (id ${id}) failed`, error);
    } finally {
      if (props.workspaceId) this.lists.invalidate(props.workspaceId);
    }
  }

  private api(): FlashbackApi {
    return this.connection.api();
  }

  private outputs(
    id: string,
    inputs: ProviderApiKeyInputs,
    live: StoredApiKey | undefined,
    extra: Partial<ProviderApiKeyOutputs>,
  ): ProviderApiKeyOutputs {
    return compact({
      ...declaredApiKeyInputs(inputs as unknown as Record<string, unknown>),
      apiKeyId: id,
      createdAt: live?.createdAt ?? extra.createdAt,
      aiLlmCount: live ? (live.aillm_count ?? 0) : extra.aiLlmCount,
      bucketCount: live ? (live.bucket_count ?? 0) : extra.bucketCount,
      adopted: extra.adopted,
    });
  }

  private async createOrAdopt(inputs: ProviderApiKeyInputs): Promise<{ id: string; adopted: boolean }> {
    const what = describe(inputs);
    const body = compact({
      key: inputs.key,
      secret: inputs.secret,
      provider: inputs.provider,
      workspaceId: inputs.workspaceId,
      description: inputs.description,
      endpoint: inputs.endpoint,
      region: inputs.region,
      tenantId: inputs.tenantId,
      subscriptionId: inputs.subscriptionId,
    }) as CreateApiKeyRequest;
    for (let round = 1; ; round++) {
      try {
        return { id: (await this.api().createApiKey(body)).apiKeyId, adopted: false };
      } catch (error) {
        if (hasCode(error, "OUTCOME_UNKNOWN")) {
          // Descriptions are unique per workspace: a key with ours and our provider is the one we sent.
          const landed = await waitForLanding(
            () => this.findByDescription(inputs),
            this.connection.lostCreateWindowMs,
          );
          if (landed && landed.provider === inputs.provider) return { id: landed.id, adopted: false };
          if (landed) {
            throw new Error(
              `creating ${what} failed: its answer was lost, and the key now found under that description ` +
                `(id ${landed.id}) has another provider. Set adoptExisting: true to take it over, or choose another description.`,
            );
          }
          if (round < MAX_LOST_CREATE_ROUNDS) continue;
          throw withContext(`creating ${what} failed`, error);
        }
        if (!hasCode(error, "BAD_REQUEST")) throw withContext(`creating ${what} failed`, error);
        const existing = await this.findByDescription(inputs);
        if (!existing) throw withContext(`creating ${what} failed`, error);
        // A resent create refused because the first one landed after all, between our last look and this one.
        if (round > 1 && existing.provider === inputs.provider) return { id: existing.id, adopted: false };
        if (!inputs.adoptExisting) {
          throw new Error(
            `creating ${what} failed: a stored key with that description already exists (id ${existing.id}). ` +
              "Set adoptExisting: true to bring it under Pulumi's management, or choose another description.",
          );
        }
        const update: Record<string, unknown> = { ...body };
        delete update.workspaceId;
        try {
          await this.api().updateApiKey(existing.id, update as UpdateApiKeyRequest);
        } catch (updateError) {
          throw withContext(`adopting ${what} (id ${existing.id}) failed`, updateError);
        }
        return { id: existing.id, adopted: true };
      }
    }
  }

  private async findByDescription(inputs: ProviderApiKeyInputs): Promise<StoredApiKey | undefined> {
    let keys: StoredApiKey[];
    try {
      keys = await this.api().listApiKeys({ workspaceId: inputs.workspaceId });
    } catch (error) {
      throw withContext(`looking up ${describe(inputs)} by description failed`, error);
    }
    return keys.find((k) => k.description === inputs.description);
  }
}
