import { randomUUID } from "node:crypto";
import type { AiType, CreateAiLlmRequest, UpdateAiLlmRequest, UpdateApiKeyRequest } from "../schemas";
import { ApiKeyStore, type ApiKeyRecord } from "./apiKeyStore";
import { Sealer, UnsealError } from "./crypto";
import { badRequest, forbidden, notFound } from "./errors";

/** Outcome of the last `POST /ai/llm/{id}/validate` of a configuration. */
export interface ValidationOutcome {
  success: boolean;
  /** ISO 8601 time of the check. */
  at: string;
}

/** A stored configuration. Credentials are kept only in sealed form. */
export interface AiLlmRecord {
  id: string;
  orgId: string;
  workspaceId: string;
  userId: string;
  name: string;
  aiType: AiType;
  endpoint: string;
  /** The optional access key, sealed; null when none was given or the configuration uses a stored key. */
  sealedKey: string | null;
  /** The provider secret, sealed; null when the configuration uses a stored key. */
  sealedSecret: string | null;
  /**
   * The stored provider key (`/apikeys`) whose credentials the configuration uses, or null
   * for inline credentials. Exactly one of this and `sealedSecret` is set.
   */
  apiKeyId: string | null;
  /** ISO 8601 creation time. */
  createdAt: string;
  /** Insertion sequence: orders lists even when two records share a millisecond. */
  seq: number;
  /**
   * Null until validated, and again after an update of endpoint, aiType, key, secret or
   * stored key, or of the stored key's credentials or endpoint.
   */
  lastValidation: ValidationOutcome | null;
}

/** A repository that uses a configuration (seeded through the control API). */
export interface RepoLink {
  id: string;
  name: string;
  aiLlmId: string;
  /** ISO 8601 time the link was made. */
  createdAt: string;
  seq: number;
}

/** Everything the store holds, in the form the data file keeps. */
export interface StoreSnapshot {
  nextSeq: number;
  aiLlms: AiLlmRecord[];
  repos: RepoLink[];
  /** Stored provider keys; absent in data files written before the emulator had them. */
  apiKeys?: ApiKeyRecord[];
}

/** Who creates a configuration; recorded as its `userId` and `orgId`. */
export interface Owner {
  userId: string;
  orgId: string;
}

/** Answer of a credential check, as `POST /ai/llm/{id}/validate` returns it. */
export interface CheckResult {
  success: boolean;
  message: string;
}

/** Text of the successful validate answer, as the reference sheet shows it. */
export const VALIDATION_SUCCESS_MESSAGE =
  "AI LLM configuration validated successfully. Connection established and credentials verified.";

/**
 * The in-memory model of the AI LLM API: configurations, the repositories that use them,
 * and the stored provider keys they may take credentials from. It enforces the rules that
 * do not depend on who asks (name uniqueness per workspace, delete refused while in use,
 * a stored key only from the configuration's workspace); workspace access is the routes' job.
 */
export class AiLlmStore {
  readonly #sealer: Sealer;
  readonly #records = new Map<string, AiLlmRecord>();
  #repos: RepoLink[] = [];
  #nextSeq = 1;
  /**
   * The stored provider keys. Create and read them here directly; update and delete them
   * through {@link AiLlmStore.updateApiKey} and {@link AiLlmStore.deleteApiKey}, which
   * also look after the configurations that use them.
   */
  readonly apiKeys: ApiKeyStore;

  /** @param sealer - Seals credentials on the way in and opens them for validation. */
  constructor(sealer: Sealer) {
    this.#sealer = sealer;
    // One sequence for everything, so the data file's single nextSeq covers keys too.
    this.apiKeys = new ApiKeyStore(sealer, () => this.#nextSeq++);
  }

  /** All configurations in creation order. */
  list(): AiLlmRecord[] {
    return [...this.#records.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The configuration with this id, or a 404 error. */
  require(id: string): AiLlmRecord {
    const record = this.#records.get(id);
    if (!record) throw notFound(`AI LLM configuration '${id}' not found`);
    return record;
  }

  /**
   * Stores a new configuration; 400 when the name is taken in its workspace. With
   * `apiKeyUuid` it uses that stored key (which must be in the same workspace) instead of
   * inline credentials, and takes the key's endpoint when the body has none.
   */
  create(input: CreateAiLlmRequest, owner: Owner): AiLlmRecord {
    this.#assertNameFree(input.workspaceId, input.name);
    // The schema lets null stand for "absent" (the client types make these nullable).
    let endpoint = input.endpoint ?? undefined;
    const key = input.key ?? undefined;
    const secret = input.secret ?? undefined;
    let apiKeyId: string | null = null;
    if (input.apiKeyUuid !== undefined) {
      const apiKey = this.#requireApiKeyIn(input.apiKeyUuid, input.workspaceId);
      if (key !== undefined && key !== "") {
        throw badRequest(
          "key cannot be sent with apiKeyUuid: the stored provider key supplies the credentials",
        );
      }
      endpoint ??= apiKey.endpoint;
      if (endpoint === undefined) throw badRequest("endpoint is required: the stored key has none");
      apiKeyId = apiKey.id;
    } else if (endpoint === undefined || secret === undefined) {
      // createAiLlmRequestSchema already refuses this; the check narrows the types.
      throw badRequest("endpoint and secret are required with inline credentials");
    }
    const id = randomUUID();
    const record: AiLlmRecord = {
      id,
      orgId: owner.orgId,
      workspaceId: input.workspaceId,
      userId: owner.userId,
      name: input.name,
      aiType: input.aiType,
      endpoint,
      sealedKey: apiKeyId === null ? this.#sealKey(id, key) : null,
      sealedSecret: secret === undefined ? null : this.#sealer.seal(secret, secretContext(id)),
      apiKeyId,
      createdAt: new Date().toISOString(),
      seq: this.#nextSeq++,
      lastValidation: null,
    };
    this.#records.set(id, record);
    return record;
  }

  /**
   * Applies a partial update. A changed endpoint or aiType, or any new key or secret,
   * clears the validated state: the configuration must be validated again before it is
   * "available". New credentials always count as a change, because the real backend
   * cannot read the old ones back to compare; a stored key counts when it is another one.
   *
   * `apiKeyUuid` switches the configuration to that stored key (same workspace only) and
   * drops its inline secret and key; `secret` switches it back to inline credentials, with
   * the body's `key` if there is one. A non-empty `key` on a configuration that uses (or
   * switches to) a stored key is a 400: the key belongs to the stored key. Every check runs
   * before anything changes, so a refused update leaves the record as it was.
   */
  update(id: string, patch: UpdateAiLlmRequest): AiLlmRecord {
    const record = this.require(id);
    if (patch.name !== undefined && patch.name !== record.name) {
      this.#assertNameFree(record.workspaceId, patch.name);
    }
    if (patch.apiKeyUuid !== undefined) this.#requireApiKeyIn(patch.apiKeyUuid, record.workspaceId);
    const usesApiKey =
      patch.apiKeyUuid !== undefined || (record.apiKeyId !== null && patch.secret === undefined);
    if (usesApiKey && patch.key !== undefined && patch.key !== "") {
      throw badRequest(
        "key cannot be set on a configuration that uses a stored key (apiKeyUuid); " +
          "send secret to switch to inline credentials",
      );
    }
    const invalidates =
      (patch.endpoint !== undefined && patch.endpoint !== record.endpoint) ||
      (patch.aiType !== undefined && patch.aiType !== record.aiType) ||
      (patch.key !== undefined && !usesApiKey) ||
      patch.secret !== undefined ||
      (patch.apiKeyUuid !== undefined && patch.apiKeyUuid !== record.apiKeyId);
    if (patch.name !== undefined) record.name = patch.name;
    if (patch.aiType !== undefined) record.aiType = patch.aiType;
    if (patch.endpoint !== undefined) record.endpoint = patch.endpoint;
    if (patch.apiKeyUuid !== undefined) {
      record.apiKeyId = patch.apiKeyUuid;
      record.sealedSecret = null;
      record.sealedKey = null;
    }
    if (patch.secret !== undefined) {
      // A configuration on a stored key has no inline key, so "the body's key or none" follows.
      record.apiKeyId = null;
      record.sealedSecret = this.#sealer.seal(patch.secret, secretContext(id));
    }
    if (patch.key !== undefined && record.apiKeyId === null) record.sealedKey = this.#sealKey(id, patch.key);
    if (invalidates) record.lastValidation = null;
    return record;
  }

  /** Configurations that take their credentials from this stored key, in creation order. */
  usersOfApiKey(apiKeyId: string): AiLlmRecord[] {
    return this.list().filter((r) => r.apiKeyId === apiKeyId);
  }

  /**
   * Updates a stored key (404, or 400 for a taken description). A new key or secret, or
   * another endpoint, clears the validated state of every configuration that uses it:
   * they connect with those credentials now.
   */
  updateApiKey(id: string, patch: UpdateApiKeyRequest): ApiKeyRecord {
    if (this.apiKeys.update(id, patch)) {
      for (const record of this.usersOfApiKey(id)) record.lastValidation = null;
    }
    return this.apiKeys.require(id);
  }

  /** Removes a stored key; 403 naming the configurations (name and id) while any uses it. */
  deleteApiKey(id: string): void {
    this.apiKeys.require(id);
    const users = this.usersOfApiKey(id);
    if (users.length > 0) {
      throw forbidden(
        `API key '${id}' is in use by AI LLM configurations: ` +
          `${users.map((r) => `${r.name} (id ${r.id})`).join(", ")}; ` +
          "point them at other credentials or delete them first",
      );
    }
    this.apiKeys.remove(id);
  }

  /** Removes a configuration; 403 naming the repositories while any uses it. */
  delete(id: string): void {
    this.require(id);
    const users = this.reposOf(id);
    if (users.length > 0) {
      throw forbidden(
        `AI LLM configuration '${id}' is in use by repositories: ${users.map((r) => r.name).join(", ")}; ` +
          "detach it from them before deleting",
      );
    }
    this.#records.delete(id);
  }

  /**
   * The emulator's stand-in for a live provider call, deterministic and offline: a secret
   * starting with `invalid`, or an endpoint host under the reserved `.invalid` TLD, fails.
   * The outcome is recorded for `GET /ai/llm/available`.
   */
  validate(id: string): CheckResult {
    const record = this.require(id);
    const result = this.#check(record);
    record.lastValidation = { success: result.success, at: new Date().toISOString() };
    return result;
  }

  /** Repositories linked to a configuration, in link order. */
  reposOf(aiLlmId: string): RepoLink[] {
    return this.#repos.filter((r) => r.aiLlmId === aiLlmId);
  }

  /** Every repository link, in link order. */
  repos(): RepoLink[] {
    return [...this.#repos];
  }

  /**
   * Links a repository to a configuration (404 if the configuration is unknown).
   * Linking the same repository to the same configuration again renames the link.
   */
  linkRepo(link: { id: string; name: string; aiLlmId: string; createdAt?: string }): void {
    this.require(link.aiLlmId);
    const existing = this.#repos.find((r) => r.id === link.id && r.aiLlmId === link.aiLlmId);
    if (existing) {
      existing.name = link.name;
      return;
    }
    this.#repos.push({
      id: link.id,
      name: link.name,
      aiLlmId: link.aiLlmId,
      createdAt: link.createdAt ?? new Date().toISOString(),
      seq: this.#nextSeq++,
    });
  }

  /** Removes every link of these repositories; unknown ids are ignored. */
  unlinkRepos(repoIds: readonly string[]): void {
    const drop = new Set(repoIds);
    this.#repos = this.#repos.filter((r) => !drop.has(r.id));
  }

  /** Forgets every configuration, link and stored key. */
  clear(): void {
    this.#records.clear();
    this.#repos = [];
    this.apiKeys.clear();
    this.#nextSeq = 1;
  }

  /** A deep copy of the contents, for the data file. */
  snapshot(): StoreSnapshot {
    return structuredClone({
      nextSeq: this.#nextSeq,
      aiLlms: this.list(),
      repos: this.#repos,
      apiKeys: this.apiKeys.list(),
    });
  }

  /** Replaces the contents with a snapshot (as read back from the data file). */
  load(snapshot: StoreSnapshot): void {
    this.clear();
    const apiKeys = snapshot.apiKeys ?? [];
    for (const record of structuredClone(snapshot.aiLlms)) this.#records.set(record.id, record);
    this.#repos = structuredClone(snapshot.repos);
    this.apiKeys.load(apiKeys);
    const highest = Math.max(
      0,
      ...snapshot.aiLlms.map((r) => r.seq),
      ...snapshot.repos.map((r) => r.seq),
      ...apiKeys.map((k) => k.seq),
    );
    this.#nextSeq = Math.max(snapshot.nextSeq, highest + 1);
  }

  #assertNameFree(workspaceId: string, name: string): void {
    for (const record of this.#records.values()) {
      if (record.workspaceId === workspaceId && record.name === name) {
        throw badRequest(
          `An AI LLM configuration named '${name}' already exists in workspace '${workspaceId}'`,
        );
      }
    }
  }

  /** The stored key `apiKeyId` if it is in `workspaceId`; else a 400 (an unknown id and another workspace's key read alike). */
  #requireApiKeyIn(apiKeyId: string, workspaceId: string): ApiKeyRecord {
    const apiKey = this.apiKeys.get(apiKeyId);
    if (!apiKey || apiKey.workspaceId !== workspaceId) {
      throw badRequest(`apiKeyUuid '${apiKeyId}' is not a stored provider key in workspace '${workspaceId}'`);
    }
    return apiKey;
  }

  /** An empty key means "no key", which is also how an update removes one. */
  #sealKey(id: string, key: string | undefined): string | null {
    return key === undefined || key === "" ? null : this.#sealer.seal(key, keyContext(id));
  }

  #check(record: AiLlmRecord): CheckResult {
    const opened = this.#openSecret(record);
    if (typeof opened !== "string") return opened;
    const secret = opened;
    const host = new URL(record.endpoint).hostname;
    if (host === "invalid" || host.endsWith(".invalid")) {
      return {
        success: false,
        message: `Validation failed: Invalid API key or endpoint unreachable. Error: getaddrinfo ENOTFOUND ${host}`,
      };
    }
    if (secret.startsWith("invalid")) {
      return {
        success: false,
        message: "Validation failed: Invalid API key or endpoint unreachable. Error: 401 Unauthorized",
      };
    }
    return { success: true, message: VALIDATION_SUCCESS_MESSAGE };
  }

  /**
   * The secret a validation uses: the inline one, or the stored key's as it is now (so a
   * rotated key takes effect at once). A failed check result when it cannot be had.
   */
  #openSecret(record: AiLlmRecord): string | CheckResult {
    const unreadable = (what: string, fix: string): CheckResult => ({
      success: false,
      message:
        `Validation failed: ${what} cannot be decrypted with this emulator key ` +
        `(the data file was written with a different FLASHBACK_EMULATOR_KEY); ${fix}`,
    });
    if (record.apiKeyId !== null) {
      const apiKey = this.apiKeys.get(record.apiKeyId);
      if (!apiKey) {
        return {
          success: false,
          message:
            `Validation failed: the stored provider key '${record.apiKeyId}' no longer exists; ` +
            "point the configuration at another key (apiKeyUuid) or send secret",
        };
      }
      try {
        return this.apiKeys.open(apiKey).secret;
      } catch (error) {
        if (!(error instanceof UnsealError)) throw error;
        return unreadable(
          `the secret of stored provider key '${apiKey.id}'`,
          "update the key's secret (PUT /apikeys) to replace it",
        );
      }
    }
    try {
      if (record.sealedSecret === null) throw new UnsealError("no secret stored");
      const secret = this.#sealer.open(record.sealedSecret, secretContext(record.id));
      if (record.sealedKey !== null) this.#sealer.open(record.sealedKey, keyContext(record.id));
      return secret;
    } catch (error) {
      if (!(error instanceof UnsealError)) throw error;
      return unreadable("the stored secret", "update the secret to replace it");
    }
  }
}

function secretContext(id: string): string {
  return `${id}/secret`;
}

function keyContext(id: string): string {
  return `${id}/key`;
}
