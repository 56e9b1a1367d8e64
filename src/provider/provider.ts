import type { dynamic } from "@pulumi/pulumi";
import { redact } from "../client/redact";
import type { AiLlmConfiguration, CreateAiLlmRequest } from "../schemas";
import { hasCode, withContext } from "./apiErrors";
import { defaultClientFactory, type ClientFactory, type FlashbackApi } from "./api";
import { checkInputs } from "./check";
import { LISTED_FIELDS } from "./fields";
import { ProviderConnection } from "./connection";
import { changedUpdatableFields, diffInputs } from "./diff";
import {
  isUnknown,
  UPDATABLE_FIELDS,
  type AiLlmConfigInputs,
  type AiLlmConfigOutputs,
  type ValidationMode,
} from "./inputs";
import { MAX_LOST_CREATE_ROUNDS, waitForLanding } from "./lostCreate";
import { buildOutputs, compact, declaredInputs, repoNames } from "./outputs";
import { createAiLlmBody, updateAiLlmBody } from "./requestBodies";
import { WorkspaceListCache, type WorkspaceListCacheOptions } from "./workspaceListCache";

export type { ClientFactory, FlashbackApi } from "./api";

/** Options of {@link AiLlmConfigProvider}. */
export interface AiLlmConfigProviderOptions {
  /** Builds the API client from the resolved settings. Default: a `FlashbackClient`. */
  clientFactory?: ClientFactory;
  /** Tuning of the shared workspace list. */
  listCache?: WorkspaceListCacheOptions;
  /** Where warnings go (the CLI shows the provider's stderr). Default: console.warn. */
  warn?: (message: string) => void;
}

/** A quoted resource name for messages: the configuration's name and where it lives. */
function describe(inputs: { name?: unknown; workspaceId?: unknown }): string {
  return `AI LLM configuration "${String(inputs.name)}" in workspace "${String(inputs.workspaceId)}"`;
}

/**
 * The dynamic provider behind `AiLlmConfig`: it turns the engine's calls into
 * Flashback API calls. One instance serves a whole provider process: it is
 * configured once, keeps one client (one connection pool) and one shared
 * workspace list, and holds no per-resource state.
 */
export class AiLlmConfigProvider implements dynamic.ResourceProvider<AiLlmConfigInputs, AiLlmConfigOutputs> {
  private readonly connection: ProviderConnection;
  private readonly lists: WorkspaceListCache;
  private readonly warn: (message: string) => void;

  constructor(options: AiLlmConfigProviderOptions = {}) {
    this.connection = new ProviderConnection(options.clientFactory ?? defaultClientFactory);
    this.warn = options.warn ?? ((message) => console.warn(message));
    this.lists = new WorkspaceListCache(
      (workspaceId) => this.api().listAiLlms(workspaceId),
      options.listCache,
    );
  }

  /** Reads `flashback:*` stack configuration (or the environment) and builds the client. */
  async configure(req: dynamic.ConfigureRequest): Promise<void> {
    this.connection.configure((key) => req.config.get(key));
  }

  /** Validates inputs without calling the API, so bad input fails at preview. */
  async check(
    _olds: AiLlmConfigInputs,
    news: AiLlmConfigInputs,
  ): Promise<dynamic.CheckResult<AiLlmConfigInputs>> {
    const failures = checkInputs(news);
    return failures.length > 0 ? { inputs: news, failures } : { inputs: news };
  }

  /** Workspace change replaces; name, type, endpoint and credentials update in place. */
  async diff(_id: string, olds: AiLlmConfigOutputs, news: AiLlmConfigInputs): Promise<dynamic.DiffResult> {
    return diffInputs(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  }

  /**
   * Creates the configuration. A lost response is resolved by looking the name up
   * (names are unique per workspace), so it leaves neither a duplicate nor an orphan;
   * with `adoptExisting`, a configuration of the same name is taken over instead.
   */
  async create(inputs: AiLlmConfigInputs): Promise<dynamic.CreateResult<AiLlmConfigOutputs>> {
    const what = describe(inputs);
    // Until this create has landed (and passed validation), read-back lists of the
    // workspace wait for it, so that one list serves the creates running beside it.
    const landed = this.lists.holdForCreate(inputs.workspaceId);
    let id: string;
    let adopted: boolean;
    let validation: Awaited<ReturnType<AiLlmConfigProvider["validateOrUndo"]>>;
    try {
      ({ id, adopted } = await this.createOrAdopt(inputs));
      this.lists.invalidate(inputs.workspaceId);
      validation = await this.validateOrUndo(id, inputs, adopted ? "keep" : "delete");
    } finally {
      landed();
    }
    const sentAfter = Date.now();
    let live: AiLlmConfiguration | undefined;
    try {
      live = (await this.lists.listSentAfter(inputs.workspaceId, sentAfter)).find((c) => c.id === id);
    } catch {
      // The configuration exists; its computed fields arrive with the next refresh.
      this.warn(`warning: ${what} was created, but reading back its details failed`);
    }
    if (adopted) {
      this.warn(
        `warning: ${what} already existed (id ${id}) and was adopted, not created: this stack now manages ` +
          "it, and deleting the resource deletes it for everyone who uses it",
      );
    }
    return { id, outs: buildOutputs(id, inputs, live, { ...validation, adopted: adopted || undefined }) };
  }

  /** Sends only the changed fields, then returns the complete outputs. */
  async update(
    id: string,
    olds: AiLlmConfigOutputs,
    news: AiLlmConfigInputs,
  ): Promise<dynamic.UpdateResult<AiLlmConfigOutputs>> {
    const what = describe(news);
    const oldBag = olds as unknown as Record<string, unknown>;
    const fields = changedUpdatableFields(oldBag, news as unknown as Record<string, unknown>);
    if (fields.length > 0) {
      const body = updateAiLlmBody(news, fields);
      try {
        await this.api().updateAiLlm(id, body);
      } catch (error) {
        if (hasCode(error, "NOT_FOUND")) {
          throw new Error(
            `${what} (id ${id}) no longer exists in Flashback. Run \`pulumi refresh\` to drop it from ` +
              "the state, then `pulumi up` to create it again.",
          );
        }
        throw withContext(`updating ${what} failed`, error);
      }
      this.lists.invalidate(news.workspaceId);
    }
    const credentialsChanged = fields.some((f) => f !== "name");
    const validation =
      credentialsChanged || olds.validated === undefined
        ? await this.validateOrUndo(id, news, "keep")
        : { validated: olds.validated, validationMessage: olds.validationMessage };
    const outs = buildOutputs(id, news, undefined, {
      orgId: olds.orgId,
      createdAt: olds.createdAt,
      repos: olds.repos,
      adopted: olds.adopted,
      ...(validation ?? {}),
    });
    return { outs };
  }

  /**
   * Reads the live configuration by listing its workspace (there is no
   * single-item read).
   *
   * Two callers: a refresh of a configuration in the state, and `AiLlmConfig.get`.
   * A refresh hands back the recorded outputs, which always hold `aiLlmId`; a get
   * hands over only what the program gave it (`workspaceId`). For a refresh, gone
   * means deleted outside Pulumi: an empty id, so the engine drops it; changed: the
   * live values come back as outputs and inputs, so refresh shows the drift and the
   * next `pulumi up` puts the declared values back. For a get, gone is an error
   * (the engine would otherwise record an empty resource under the id).
   */
  async read(id: string, props?: AiLlmConfigOutputs): Promise<dynamic.ReadResult<AiLlmConfigOutputs>> {
    const state = (props ?? {}) as Partial<AiLlmConfigOutputs>;
    const isGet = state.aiLlmId === undefined;
    if (isGet) {
      const workspaceId = state.workspaceId;
      if (typeof workspaceId !== "string" || workspaceId.trim() === "") {
        throw new Error(
          `AiLlmConfig.get of configuration ${id}: workspaceId is required (Flashback lists ` +
            'configurations per workspace): AiLlmConfig.get(name, id, { workspaceId: "..." })',
        );
      }
      // Not known until deployment (a preview): nothing to look up yet.
      if (isUnknown(workspaceId)) return { id, props: { aiLlmId: id } as AiLlmConfigOutputs };
    }
    let configurations: AiLlmConfiguration[];
    try {
      configurations = state.workspaceId
        ? await this.lists.list(state.workspaceId)
        : await this.api().listAiLlms();
    } catch (error) {
      const what = isGet
        ? `AI LLM configuration ${id} in workspace "${state.workspaceId}"`
        : `${describe(state)} (id ${id})`;
      throw withContext(`reading ${what} failed`, error);
    }
    const live = configurations.find((c) => c.id === id);
    if (!live) {
      if (isGet) {
        throw new Error(
          `AiLlmConfig.get: the configuration ${id} was not found in workspace ${state.workspaceId}. ` +
            "Check the id and the workspace (and that the credential in use can see that workspace).",
        );
      }
      return { id: "" };
    }
    // The listed fields come from Flashback; only a service that lists a field (apiKeyId
    // is newer than the docs) says what it is, so an absent one keeps the recorded value.
    const listed = Object.fromEntries(
      LISTED_FIELDS.filter((field) => field in live).map((field) => [field, live[field] ?? undefined]),
    );
    const inputs = compact({
      ...declaredInputs(state as Record<string, unknown>),
      ...listed,
    }) as AiLlmConfigInputs;
    const props_ = buildOutputs(id, inputs, live, {
      validated: state.validated,
      validationMessage: state.validationMessage,
      adopted: state.adopted,
    });
    return { id, props: props_, inputs: inputs as AiLlmConfigOutputs };
  }

  /** Deletes the configuration; already gone is success, in use names the repositories. */
  async delete(id: string, props: AiLlmConfigOutputs): Promise<void> {
    const what = describe(props);
    try {
      await this.api().deleteAiLlm(id);
    } catch (error) {
      if (hasCode(error, "NOT_FOUND")) return;
      if (hasCode(error, "FORBIDDEN")) throw await this.explainRefusedDelete(id, props, error);
      throw withContext(`deleting ${what} (id ${id}) failed`, error);
    } finally {
      if (props.workspaceId) this.lists.invalidate(props.workspaceId);
    }
  }

  /** The client, or the configuration error that prevented building one. */
  private api(): FlashbackApi {
    return this.connection.api();
  }

  private async createOrAdopt(inputs: AiLlmConfigInputs): Promise<{ id: string; adopted: boolean }> {
    const what = describe(inputs);
    const body = createAiLlmBody(inputs);
    try {
      return { id: (await this.api().createAiLlm(body)).aiLlmId, adopted: false };
    } catch (error) {
      if (hasCode(error, "OUTCOME_UNKNOWN")) return this.resolveLostCreate(inputs, body);
      if (!hasCode(error, "BAD_REQUEST")) throw withContext(`creating ${what} failed`, error);
      const existing = await this.findByName(inputs);
      if (!existing) throw withContext(`creating ${what} failed`, error);
      if (!inputs.adoptExisting) {
        throw new Error(
          `creating ${what} failed: a configuration with that name already exists (id ${existing.id}). ` +
            "Set adoptExisting: true to bring it under Pulumi's management, or choose another name.",
        );
      }
      try {
        // Every field, and an inline key always: "" drops one the adopted configuration had.
        const body = updateAiLlmBody(inputs, UPDATABLE_FIELDS);
        await this.api().updateAiLlm(
          existing.id,
          inputs.apiKeyId ? body : { ...body, key: inputs.key ?? "" },
        );
      } catch (updateError) {
        throw withContext(`adopting ${what} (id ${existing.id}) failed`, updateError);
      }
      return { id: existing.id, adopted: true };
    }
  }

  /**
   * The create was sent but its answer was lost. Names are unique per workspace,
   * so a configuration with our name and our settings is the one we made. The
   * request may still be in progress on the server (a timeout), so the name is
   * looked up for a while before the create is sent again; a create sent again
   * that collides with the first one gets a duplicate-name refusal, not a twin.
   */
  private async resolveLostCreate(
    inputs: AiLlmConfigInputs,
    body: CreateAiLlmRequest,
  ): Promise<{ id: string; adopted: boolean }> {
    const what = describe(inputs);
    for (let round = 1; ; round++) {
      const existing = await waitForLanding(
        () => this.findByName(inputs),
        this.connection.lostCreateWindowMs,
      );
      if (existing && existing.aiType === inputs.aiType && existing.endpoint === inputs.endpoint) {
        return { id: existing.id, adopted: false };
      }
      if (existing) {
        throw new Error(
          `creating ${what} failed: its answer was lost, and the configuration now found under that name ` +
            `(id ${existing.id}) has other settings. Set adoptExisting: true to take it over, or choose another name.`,
        );
      }
      try {
        return { id: (await this.api().createAiLlm(body)).aiLlmId, adopted: false };
      } catch (error) {
        if (hasCode(error, "OUTCOME_UNKNOWN") && round < MAX_LOST_CREATE_ROUNDS) continue;
        if (hasCode(error, "BAD_REQUEST")) {
          // The first create landed after all, between our last look and this one.
          const landed = await this.findByName(inputs);
          if (landed && landed.aiType === inputs.aiType && landed.endpoint === inputs.endpoint) {
            return { id: landed.id, adopted: false };
          }
        }
        throw withContext(`creating ${what} failed`, error);
      }
    }
  }

  private async findByName(inputs: AiLlmConfigInputs): Promise<AiLlmConfiguration | undefined> {
    try {
      const all = await this.api().listAiLlms(inputs.workspaceId);
      return all.find((c) => c.name === inputs.name && c.workspaceId === inputs.workspaceId);
    } catch (error) {
      throw withContext(`looking up ${describe(inputs)} by name failed`, error);
    }
  }

  /**
   * Runs credential validation per the `validate` mode. With "require", a failed
   * check fails the step; a configuration this step created is deleted again
   * first, so that a failed create leaves nothing behind.
   */
  private async validateOrUndo(
    id: string,
    inputs: AiLlmConfigInputs,
    onRequiredFailure: "delete" | "keep",
  ): Promise<Pick<AiLlmConfigOutputs, "validated" | "validationMessage"> | undefined> {
    const mode: ValidationMode = inputs.validate ?? "off";
    if (mode === "off") return undefined;
    const what = describe(inputs);
    let result;
    try {
      result = await this.api().validateAiLlm(id);
    } catch (error) {
      throw withContext(`validating ${what} (id ${id}) failed`, error);
    }
    // The client removes the token; only the provider knows this resource's secret and key.
    const message = redact(result.message, [inputs.secret, inputs.key]);
    result = { ...result, message };
    if (!result.success && mode === "require") {
      let undone = "";
      if (onRequiredFailure === "delete") {
        await this.api()
          .deleteAiLlm(id)
          .then(() => this.lists.invalidate(inputs.workspaceId))
          .catch(() => undefined);
        undone = " The configuration was removed again, so nothing is left half-made.";
      }
      throw new Error(
        `${what} failed credential validation: ${result.message}.${undone} Fix the secret, key or endpoint, ` +
          'or set validate: "warn" to keep it anyway.',
      );
    }
    // Not warned here: the resource warns on itself, where the CLI lists it under the resource.
    return { validated: result.success, validationMessage: result.message };
  }

  private async explainRefusedDelete(id: string, props: AiLlmConfigOutputs, error: unknown): Promise<Error> {
    const what = describe(props);
    let repos = props.repos ?? [];
    if (props.workspaceId) {
      try {
        this.lists.invalidate(props.workspaceId);
        const live = (await this.lists.list(props.workspaceId)).find((c) => c.id === id);
        repos = repoNames(live);
      } catch {
        // Fall back to the repositories recorded at the last refresh.
      }
    }
    if (repos.length > 0) {
      return new Error(
        `cannot delete ${what} (id ${id}): it is in use by repositories ${repos.join(", ")}. ` +
          "Detach it from those repositories in Flashback, then run the operation again.",
      );
    }
    return withContext(`deleting ${what} (id ${id}) was refused`, error);
  }
}
