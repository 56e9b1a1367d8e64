import { randomUUID } from "node:crypto";
import {
  AI_TYPES,
  API_KEY_CAPABILITIES,
  type CreateApiKeyRequest,
  type UpdateApiKeyRequest,
} from "../schemas";
import type { Sealer } from "./crypto";
import { badRequest, notFound } from "./errors";

/**
 * A stored provider API key (`/apikeys`). Like a configuration's, its credentials are
 * kept only in sealed form; the descriptive fields are plain.
 */
export interface ApiKeyRecord {
  id: string;
  workspaceId: string;
  /** Organization of the token that created it. */
  orgId: string;
  /** User of the token that created it. */
  userId: string;
  /** Provider name as sent (`OPENAI`, `AWS`, `GCP`, ...); compared exactly. */
  provider: string;
  /** The access key, sealed. */
  sealedKey: string;
  /** The secret, sealed. */
  sealedSecret: string;
  endpoint?: string;
  region?: string;
  tenantId?: string;
  subscriptionId?: string;
  description?: string;
  /** ISO 8601 creation time. */
  createdAt: string;
  /** Insertion sequence, shared with configurations and repository links. */
  seq: number;
}

/** Plain credentials of a stored key, opened for a validation. */
export interface OpenedApiKey {
  key: string;
  secret: string;
}

/** Who creates a stored key; recorded as its `userId` and `orgId`. */
export interface ApiKeyOwner {
  userId: string;
  orgId: string;
}

/**
 * Providers whose keys serve AI configurations: the five `aiType` values, which the
 * client uses for stored keys as well.
 */
const AI_PROVIDERS: ReadonlySet<string> = new Set(AI_TYPES);

/**
 * Providers whose keys serve storage buckets. No document lists them; these are the
 * storage back ends Flashback advertises (cloud object stores and decentralized ones).
 */
const STORAGE_PROVIDERS: ReadonlySet<string> = new Set(["AWS", "GCP", "AZURE", "S3", "STORJ", "AKAVE"]);

/** Providers that are whole clouds, not just one service. */
const CLOUD_PROVIDERS: ReadonlySet<string> = new Set(["AWS", "GCP", "AZURE"]);

/**
 * The capability bits of a provider, as `GET /apikeys?capability=` filters on them: AI
 * for the five AI types, Storage for the storage back ends, Cloud for AWS, GCP and
 * AZURE. An unknown provider has none, so only an unfiltered list shows it.
 */
export function capabilitiesOf(provider: string): number {
  let bits = 0;
  if (STORAGE_PROVIDERS.has(provider)) bits |= API_KEY_CAPABILITIES.storage;
  if (AI_PROVIDERS.has(provider)) bits |= API_KEY_CAPABILITIES.ai;
  if (CLOUD_PROVIDERS.has(provider)) bits |= API_KEY_CAPABILITIES.cloud;
  return bits;
}

/** The descriptive fields an empty string clears (an endpoint must be a URL, so it cannot be cleared). */
const CLEARABLE = ["region", "tenantId", "subscriptionId", "description"] as const;

/**
 * The stored provider keys. It enforces the rules about keys alone (description unique
 * per workspace, sealing); the rules that involve configurations (in-use delete refusal,
 * invalidating their validation) belong to `AiLlmStore`, which owns this store.
 */
export class ApiKeyStore {
  readonly #sealer: Sealer;
  readonly #nextSeq: () => number;
  readonly #records = new Map<string, ApiKeyRecord>();

  /**
   * @param sealer - Seals credentials on the way in and opens them for listing and validation.
   * @param nextSeq - Hands out insertion sequence numbers, shared with the owning store.
   */
  constructor(sealer: Sealer, nextSeq: () => number) {
    this.#sealer = sealer;
    this.#nextSeq = nextSeq;
  }

  /** All stored keys in creation order. */
  list(): ApiKeyRecord[] {
    return [...this.#records.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The key with this id, if any. */
  get(id: string): ApiKeyRecord | undefined {
    return this.#records.get(id);
  }

  /** The key with this id, or a 404 error. */
  require(id: string): ApiKeyRecord {
    const record = this.#records.get(id);
    if (!record) throw notFound(`API key '${id}' not found`);
    return record;
  }

  /** Stores a new key; 400 when its description is taken in its workspace. */
  create(input: CreateApiKeyRequest, owner: ApiKeyOwner): ApiKeyRecord {
    const description = emptyAsAbsent(input.description);
    if (description !== undefined) this.#assertDescriptionFree(input.workspaceId, description);
    const id = randomUUID();
    const record: ApiKeyRecord = {
      id,
      workspaceId: input.workspaceId,
      orgId: owner.orgId,
      userId: owner.userId,
      provider: input.provider,
      sealedKey: this.#sealer.seal(input.key, keyContext(id)),
      sealedSecret: this.#sealer.seal(input.secret, secretContext(id)),
      createdAt: new Date().toISOString(),
      seq: this.#nextSeq(),
    };
    // Only the fields that were given, so the data file and the list carry no empty ones.
    if (input.endpoint !== undefined) record.endpoint = input.endpoint;
    for (const field of CLEARABLE) {
      const value = emptyAsAbsent(input[field]);
      if (value !== undefined) record[field] = value;
    }
    this.#records.set(id, record);
    return record;
  }

  /**
   * Applies a partial update (404 for an unknown id, 400 for a taken description).
   * An empty region, tenantId, subscriptionId or description removes it.
   * @returns Whether what a configuration connects with changed: any new key or secret
   * (the real backend cannot read old ones back to compare), or a different endpoint.
   */
  update(id: string, patch: UpdateApiKeyRequest): boolean {
    const record = this.require(id);
    const description = emptyAsAbsent(patch.description);
    if (description !== undefined && description !== record.description) {
      this.#assertDescriptionFree(record.workspaceId, description);
    }
    const connectionChanged =
      patch.key !== undefined ||
      patch.secret !== undefined ||
      (patch.endpoint !== undefined && patch.endpoint !== record.endpoint);
    if (patch.key !== undefined) record.sealedKey = this.#sealer.seal(patch.key, keyContext(id));
    if (patch.secret !== undefined) record.sealedSecret = this.#sealer.seal(patch.secret, secretContext(id));
    if (patch.provider !== undefined) record.provider = patch.provider;
    if (patch.endpoint !== undefined) record.endpoint = patch.endpoint;
    for (const field of CLEARABLE) {
      if (patch[field] === undefined) continue;
      const value = emptyAsAbsent(patch[field]);
      if (value === undefined) delete record[field];
      else record[field] = value;
    }
    return connectionChanged;
  }

  /**
   * Forgets a key (404 for an unknown id). It does not look at configurations: callers
   * go through `AiLlmStore.deleteApiKey`, which refuses while any uses the key.
   */
  remove(id: string): void {
    this.require(id);
    this.#records.delete(id);
  }

  /** The plain access key, as `GET /apikeys` lists it; null when it cannot be opened with this emulator's key. */
  plainKey(record: ApiKeyRecord): string | null {
    try {
      return this.#sealer.open(record.sealedKey, keyContext(record.id));
    } catch {
      return null;
    }
  }

  /** Opens both credentials, for a validation; throws `UnsealError` when they cannot be opened. */
  open(record: ApiKeyRecord): OpenedApiKey {
    return {
      key: this.#sealer.open(record.sealedKey, keyContext(record.id)),
      secret: this.#sealer.open(record.sealedSecret, secretContext(record.id)),
    };
  }

  /** Forgets every key. */
  clear(): void {
    this.#records.clear();
  }

  /** Replaces the contents with these records (as read back from the data file). */
  load(records: readonly ApiKeyRecord[]): void {
    this.clear();
    for (const record of structuredClone(records)) this.#records.set(record.id, record);
  }

  #assertDescriptionFree(workspaceId: string, description: string): void {
    for (const record of this.#records.values()) {
      if (record.workspaceId === workspaceId && record.description === description) {
        throw badRequest(
          `A provider API key described '${description}' already exists in workspace '${workspaceId}'`,
        );
      }
    }
  }
}

/** An empty string reads as "not given", so it neither occupies a description nor lists as one. */
function emptyAsAbsent(value: string | undefined): string | undefined {
  return value === "" ? undefined : value;
}

/*
 * Sealing contexts carry an `apikey:` prefix, so a sealed value copied between a key
 * record and a configuration record in the data file fails to open instead of leaking.
 */
function secretContext(id: string): string {
  return `apikey:${id}/secret`;
}

function keyContext(id: string): string {
  return `apikey:${id}/key`;
}
