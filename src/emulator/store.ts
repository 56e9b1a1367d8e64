import { randomUUID } from "node:crypto";
import type { AiType, CreateAiLlmRequest, UpdateAiLlmRequest } from "../schemas";
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
  /** The optional access key, sealed; null when none was given. */
  sealedKey: string | null;
  /** The provider secret, sealed. */
  sealedSecret: string;
  /** ISO 8601 creation time. */
  createdAt: string;
  /** Insertion sequence: orders lists even when two records share a millisecond. */
  seq: number;
  /** Null until validated, and again after an update of endpoint, aiType, key or secret. */
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
 * The in-memory model of the AI LLM API: configurations and the repositories that use them.
 * It enforces the rules that do not depend on who asks (name uniqueness per workspace,
 * delete refused while in use); workspace access is the routes' job.
 */
export class AiLlmStore {
  readonly #sealer: Sealer;
  readonly #records = new Map<string, AiLlmRecord>();
  #repos: RepoLink[] = [];
  #nextSeq = 1;

  /** @param sealer - Seals credentials on the way in and opens them for validation. */
  constructor(sealer: Sealer) {
    this.#sealer = sealer;
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

  /** Stores a new configuration; 400 when the name is taken in its workspace. */
  create(input: CreateAiLlmRequest, owner: Owner): AiLlmRecord {
    this.#assertNameFree(input.workspaceId, input.name);
    const id = randomUUID();
    const record: AiLlmRecord = {
      id,
      orgId: owner.orgId,
      workspaceId: input.workspaceId,
      userId: owner.userId,
      name: input.name,
      aiType: input.aiType,
      endpoint: input.endpoint,
      sealedKey: this.#sealKey(id, input.key),
      sealedSecret: this.#sealer.seal(input.secret, secretContext(id)),
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
   * cannot read the old ones back to compare.
   */
  update(id: string, patch: UpdateAiLlmRequest): AiLlmRecord {
    const record = this.require(id);
    if (patch.name !== undefined && patch.name !== record.name) {
      this.#assertNameFree(record.workspaceId, patch.name);
    }
    const invalidates =
      (patch.endpoint !== undefined && patch.endpoint !== record.endpoint) ||
      (patch.aiType !== undefined && patch.aiType !== record.aiType) ||
      patch.key !== undefined ||
      patch.secret !== undefined;
    if (patch.name !== undefined) record.name = patch.name;
    if (patch.aiType !== undefined) record.aiType = patch.aiType;
    if (patch.endpoint !== undefined) record.endpoint = patch.endpoint;
    if (patch.key !== undefined) record.sealedKey = this.#sealKey(id, patch.key);
    if (patch.secret !== undefined) record.sealedSecret = this.#sealer.seal(patch.secret, secretContext(id));
    if (invalidates) record.lastValidation = null;
    return record;
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

  /** Forgets every configuration and link. */
  clear(): void {
    this.#records.clear();
    this.#repos = [];
    this.#nextSeq = 1;
  }

  /** A deep copy of the contents, for the data file. */
  snapshot(): StoreSnapshot {
    return structuredClone({ nextSeq: this.#nextSeq, aiLlms: this.list(), repos: this.#repos });
  }

  /** Replaces the contents with a snapshot (as read back from the data file). */
  load(snapshot: StoreSnapshot): void {
    this.clear();
    for (const record of structuredClone(snapshot.aiLlms)) this.#records.set(record.id, record);
    this.#repos = structuredClone(snapshot.repos);
    const highest = Math.max(0, ...snapshot.aiLlms.map((r) => r.seq), ...snapshot.repos.map((r) => r.seq));
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

  /** An empty key means "no key", which is also how an update removes one. */
  #sealKey(id: string, key: string | undefined): string | null {
    return key === undefined || key === "" ? null : this.#sealer.seal(key, keyContext(id));
  }

  #check(record: AiLlmRecord): CheckResult {
    let secret: string;
    try {
      secret = this.#sealer.open(record.sealedSecret, secretContext(record.id));
      if (record.sealedKey !== null) this.#sealer.open(record.sealedKey, keyContext(record.id));
    } catch (error) {
      if (!(error instanceof UnsealError)) throw error;
      return {
        success: false,
        message:
          "Validation failed: the stored secret cannot be decrypted with this emulator key " +
          "(the data file was written with a different FLASHBACK_EMULATOR_KEY); update the secret to replace it",
      };
    }
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
}

function secretContext(id: string): string {
  return `${id}/secret`;
}

function keyContext(id: string): string {
  return `${id}/key`;
}
