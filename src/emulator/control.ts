import { isIPv4 } from "node:net";
import { z } from "zod";
import type { AiType } from "../schemas";
import { badRequest } from "./errors";
import { refreshTokenSeedSchema, tokenSeedSchema, type TokenRegistry } from "./auth";
import { faultSpecSchema, type FaultQueue } from "./faults";
import type { RateLimiter } from "./rateLimit";
import type { RequestLog } from "./requestLog";
import { repoRefs } from "./routes";
import type { AiLlmStore, ValidationOutcome } from "./store";
import type { ApiKeyRecord } from "./apiKeyStore";
import { isJsonObject, isoDateString, parseOrBadRequest } from "./validation";

/** Path prefix of the control API; the API itself never uses it. */
export const CONTROL_PREFIX = "/_emulator";

/**
 * True when a peer address is loopback (127.0.0.0/8, ::1, or IPv4-mapped 127.x). The
 * control API can wipe and rewrite everything, so it answers only such peers, even when
 * the emulator is bound to a wider interface.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const lower = address.toLowerCase();
  if (lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
  const v4 = lower.startsWith("::ffff:") ? lower.slice("::ffff:".length) : lower;
  return isIPv4(v4) && v4.startsWith("127.");
}

/** What the control handlers work with. */
export interface ControlServices {
  store: AiLlmStore;
  tokens: TokenRegistry;
  faults: FaultQueue;
  requests: RequestLog;
  rateLimiter: RateLimiter;
  /** Writes the store to the data file, if there is one. */
  persist(): Promise<void>;
}

/** One row of the control routes table. */
export interface ControlRoute {
  method: string;
  path: string;
  handle(body: unknown, services: ControlServices): Promise<unknown> | unknown;
}

/** Body of `POST /_emulator/seed`; strict so a misspelt part is refused instead of ignored. */
const seedSchema = z.strictObject({
  tokens: z.array(tokenSeedSchema).optional(),
  refreshTokens: z.array(refreshTokenSeedSchema).optional(),
  repos: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        name: z.string().min(1),
        aiLlmId: z.string().min(1),
        createdAt: isoDateString.optional(),
      }),
    )
    .optional(),
  unlinkRepos: z.array(z.string().min(1)).optional(),
  /** Access or refresh tokens to stop accepting, as when a user rotates or revokes one. */
  revokeTokens: z.array(z.string().min(1)).optional(),
  accessTokenTtlSeconds: z.number().positive().optional(),
  rateLimitPerSecond: z.number().int().positive().nullable().optional(),
});

/** The `/_emulator/*` routes: reset, seed, faults, the request log, and a state dump with no plain credential. */
export const controlRoutes: readonly ControlRoute[] = [
  { method: "POST", path: `${CONTROL_PREFIX}/reset`, handle: reset },
  { method: "POST", path: `${CONTROL_PREFIX}/seed`, handle: seed },
  {
    method: "POST",
    path: `${CONTROL_PREFIX}/faults`,
    handle: (body, s) => ({
      success: true,
      fault: s.faults.add(parseOrBadRequest(faultSpecSchema, objectOrEmpty(body))),
    }),
  },
  {
    method: "GET",
    path: `${CONTROL_PREFIX}/faults`,
    handle: (_b, s) => ({ success: true, faults: s.faults.list() }),
  },
  {
    method: "DELETE",
    path: `${CONTROL_PREFIX}/faults`,
    handle: (_b, s) => {
      s.faults.clear();
      return { success: true };
    },
  },
  {
    method: "GET",
    path: `${CONTROL_PREFIX}/requests`,
    handle: (_b, s) => ({ success: true, requests: s.requests.list() }),
  },
  {
    method: "POST",
    path: `${CONTROL_PREFIX}/requests/clear`,
    handle: (_b, s) => {
      s.requests.clear();
      return { success: true };
    },
  },
  {
    method: "GET",
    path: `${CONTROL_PREFIX}/state`,
    handle: (_b, s) => ({ success: true, ...stateOf(s.store) }),
  },
];

/** Back to the start-up state: no data (stored keys included), faults, log, seeded or issued tokens; start-up options again. */
async function reset(_body: unknown, services: ControlServices): Promise<unknown> {
  services.store.clear();
  services.faults.clear();
  services.requests.clear();
  services.tokens.reset();
  services.rateLimiter.reset();
  await services.persist();
  return { success: true };
}

async function seed(body: unknown, services: ControlServices): Promise<unknown> {
  const spec = parseOrBadRequest(seedSchema, objectOrEmpty(body));
  // Check every link before applying any part, so a 404 leaves the emulator unchanged.
  for (const repo of spec.repos ?? []) services.store.require(repo.aiLlmId);
  services.tokens.addTokens(spec.tokens ?? []);
  services.tokens.addRefreshTokens(spec.refreshTokens ?? []);
  services.tokens.revoke(spec.revokeTokens ?? []);
  if (spec.accessTokenTtlSeconds !== undefined)
    services.tokens.accessTokenTtlSeconds = spec.accessTokenTtlSeconds;
  if (spec.rateLimitPerSecond !== undefined) services.rateLimiter.limit = spec.rateLimitPerSecond;
  if (spec.unlinkRepos || spec.repos) {
    services.store.unlinkRepos(spec.unlinkRepos ?? []);
    for (const repo of spec.repos ?? []) services.store.linkRepo(repo);
    await services.persist();
  }
  return { success: true };
}

/** An empty body counts as `{}`, so `curl -X POST .../seed` with nothing is fine. */
function objectOrEmpty(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (!isJsonObject(body)) throw badRequest("Request body must be a JSON object");
  return body;
}

/** A configuration as `GET /_emulator/state` shows it: what the API lists, minus `key`, plus test-only facts. */
export interface StateAiLlm {
  id: string;
  orgId: string;
  workspaceId: string;
  userId: string;
  name: string;
  aiType: AiType;
  endpoint: string;
  createdAt: string;
  repos: Array<{ id: string; name: string; createdAt: string }>;
  /** Whether a key is stored (the key itself is never shown). */
  hasKey: boolean;
  /** The stored provider key the configuration uses; absent for inline credentials. */
  apiKeyId?: string;
  lastValidation: ValidationOutcome | null;
}

/**
 * A stored provider key as `GET /_emulator/state` shows it: every recorded field, with the
 * key and secret in their sealed form only (what the data file holds), so a test can see
 * that a rotation replaced them without the state ever holding a plain credential.
 */
export type StateApiKey = Omit<ApiKeyRecord, "seq"> & {
  /** Ids of the configurations that use the key, in creation order. */
  aiLlmIds: string[];
};

/** A repository link as `GET /_emulator/state` shows it. */
export interface StateRepo {
  id: string;
  name: string;
  aiLlmId: string;
  createdAt: string;
}

/** Answer of `GET /_emulator/state` (besides `success`). */
export interface EmulatorStateView {
  aiLlms: StateAiLlm[];
  repos: StateRepo[];
  apiKeys: StateApiKey[];
}

/** Body of `POST /_emulator/seed`. */
export type SeedRequest = z.input<typeof seedSchema>;

/**
 * The store without any plain credential: for configurations `hasKey` instead of the key
 * and no secret at all; for stored keys only the sealed forms.
 */
function stateOf(store: AiLlmStore): EmulatorStateView {
  return {
    aiLlms: store.list().map((r) => ({
      id: r.id,
      orgId: r.orgId,
      workspaceId: r.workspaceId,
      userId: r.userId,
      name: r.name,
      aiType: r.aiType,
      endpoint: r.endpoint,
      hasKey: r.sealedKey !== null,
      ...(r.apiKeyId === null ? {} : { apiKeyId: r.apiKeyId }),
      createdAt: r.createdAt,
      repos: repoRefs(store, r.id),
      lastValidation: r.lastValidation,
    })),
    repos: store.repos().map((repo) => ({
      id: repo.id,
      name: repo.name,
      aiLlmId: repo.aiLlmId,
      createdAt: repo.createdAt,
    })),
    apiKeys: store.apiKeys.list().map((k) => ({
      id: k.id,
      workspaceId: k.workspaceId,
      orgId: k.orgId,
      userId: k.userId,
      provider: k.provider,
      ...(k.endpoint === undefined ? {} : { endpoint: k.endpoint }),
      ...(k.region === undefined ? {} : { region: k.region }),
      ...(k.tenantId === undefined ? {} : { tenantId: k.tenantId }),
      ...(k.subscriptionId === undefined ? {} : { subscriptionId: k.subscriptionId }),
      ...(k.description === undefined ? {} : { description: k.description }),
      createdAt: k.createdAt,
      sealedKey: k.sealedKey,
      sealedSecret: k.sealedSecret,
      aiLlmIds: store.usersOfApiKey(k.id).map((r) => r.id),
    })),
  };
}
