import {
  createAiLlmRequestSchema,
  createApiKeyRequestSchema,
  refreshRequestSchema,
  updateAiLlmRequestSchema,
  updateApiKeyRequestSchema,
  type AiLlmConfiguration,
  type AiLlmStats,
  type StoredApiKey,
} from "../schemas";
import { capabilitiesOf, type ApiKeyRecord } from "./apiKeyStore";
import { canAccess, type Principal, type TokenRegistry } from "./auth";
import { badRequest, forbidden } from "./errors";
import type { AiLlmRecord, AiLlmStore } from "./store";
import { isJsonObject, parseOrBadRequest } from "./validation";

/** What the API handlers work with. */
export interface ApiServices {
  store: AiLlmStore;
  tokens: TokenRegistry;
  /** Counts a request against the principal's rate limit; throws a 429 when over it. */
  checkRate(principal: Principal): void;
  /** Writes the store to the data file, if there is one; resolves once it is on disk. */
  persist(): Promise<void>;
}

/** A routed API request. */
export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body for routes that take one; undefined when the body was empty. */
  body: unknown;
  /** The bearer token's principal; set on every route with `auth: true`. */
  principal: Principal | undefined;
}

/** A successful handler answer; failures are thrown as `EmulatorHttpError`. */
export interface ApiReply {
  status: number;
  body: unknown;
}

/** One row of the API routes table. */
export interface ApiRoute {
  method: string;
  path: string;
  /** Whether a bearer token is required (and counted by the rate limiter) before the handler runs. */
  auth: boolean;
  /** Whether the body is parsed as JSON; routes without one ignore whatever is sent. */
  body: boolean;
  handle(request: ApiRequest, services: ApiServices): Promise<ApiReply> | ApiReply;
}

/** The eight usage counters, all zero: the emulator has no data plane to count. */
const ZERO_COUNTERS = {
  totalApiCalls: "0",
  totalTokensIn: "0",
  totalTokensOut: "0",
  totalLlmTokensIn: "0",
  totalLlmTokensOut: "0",
  totalPolicyViolations: "0",
  totalAlerts: "0",
  totalBlocks: "0",
} as const;

/** Stats on the wire carry counters as decimal strings, which the (number-producing) schema type does not describe. */
type WireStats = Pick<AiLlmStats, "aiLlmId"> & typeof ZERO_COUNTERS;

/**
 * The Flashback API as the reference sheet describes it, plus `POST /user/refresh` and the
 * stored provider keys (`/apikeys`) that only the official client's types describe.
 */
export const apiRoutes: readonly ApiRoute[] = [
  { method: "POST", path: "/user/refresh", auth: false, body: true, handle: refresh },
  { method: "POST", path: "/ai/llm", auth: true, body: true, handle: createAiLlm },
  { method: "GET", path: "/ai/llm", auth: true, body: false, handle: listAiLlms },
  { method: "GET", path: "/ai/llm/available", auth: true, body: false, handle: listAvailable },
  { method: "GET", path: "/ai/llm/stats", auth: true, body: false, handle: stats },
  { method: "PUT", path: "/ai/llm/:id", auth: true, body: true, handle: updateAiLlm },
  { method: "DELETE", path: "/ai/llm/:id", auth: true, body: false, handle: deleteAiLlm },
  { method: "POST", path: "/ai/llm/:id/validate", auth: true, body: false, handle: validateAiLlm },
  { method: "GET", path: "/apikeys", auth: true, body: false, handle: listApiKeys },
  { method: "POST", path: "/apikeys", auth: true, body: true, handle: createApiKey },
  { method: "PUT", path: "/apikeys/:id", auth: true, body: true, handle: updateApiKey },
  { method: "DELETE", path: "/apikeys/:id", auth: true, body: false, handle: deleteApiKey },
];

function refresh(request: ApiRequest, services: ApiServices): ApiReply {
  const { refreshToken } = parseOrBadRequest(refreshRequestSchema, requireObject(request.body));
  services.checkRate(services.tokens.refreshPrincipal(refreshToken));
  const issued = services.tokens.refresh(refreshToken);
  // Both names of the access token, as the official client's type describes the answer.
  return { status: 200, body: { success: true, ...issued, token: issued.accessToken } };
}

async function createAiLlm(request: ApiRequest, services: ApiServices): Promise<ApiReply> {
  const principal = authenticated(request);
  const input = parseOrBadRequest(createAiLlmRequestSchema, requireObject(request.body));
  if (!canAccess(principal, input.workspaceId)) {
    throw forbidden(`Access denied: this token cannot access workspace '${input.workspaceId}'`);
  }
  const record = services.store.create(input, principal);
  await services.persist();
  return {
    status: 200,
    body: { success: true, aiLlmId: record.id, message: "AI LLM configuration created successfully" },
  };
}

function listAiLlms(request: ApiRequest, services: ApiServices): ApiReply {
  const principal = authenticated(request);
  // An empty `?workspaceId=` is treated as absent rather than as a workspace named "".
  const workspaceId = request.query.get("workspaceId") || undefined;
  const aiLlms = services.store
    .list()
    .filter(
      (r) =>
        canAccess(principal, r.workspaceId) && (workspaceId === undefined || r.workspaceId === workspaceId),
    )
    .map((r) => toWire(r, services.store));
  return { status: 200, body: { success: true, aiLlms } };
}

function listAvailable(request: ApiRequest, services: ApiServices): ApiReply {
  const principal = authenticated(request);
  const aiLlms = services.store
    .list()
    .filter((r) => canAccess(principal, r.workspaceId) && r.lastValidation?.success === true)
    .reverse()
    .map((r) => toWire(r, services.store));
  return { status: 200, body: { success: true, aiLlms } };
}

function stats(request: ApiRequest, services: ApiServices): ApiReply {
  const principal = authenticated(request);
  const aiLlmId = request.query.get("aiLlmId") || undefined;
  const rows: WireStats[] = services.store
    .list()
    .filter((r) => canAccess(principal, r.workspaceId) && (aiLlmId === undefined || r.id === aiLlmId))
    .map((r) => ({ aiLlmId: r.id, ...ZERO_COUNTERS }));
  return { status: 200, body: { success: true, stats: rows } };
}

async function updateAiLlm(request: ApiRequest, services: ApiServices): Promise<ApiReply> {
  const principal = authenticated(request);
  const body = requireObject(request.body);
  if ("workspaceId" in body) {
    throw badRequest(
      "workspaceId cannot be changed: a configuration stays in its workspace; create a new one there instead",
    );
  }
  const patch = parseOrBadRequest(updateAiLlmRequestSchema, body);
  const id = request.params.id;
  requireAccess(principal, services.store.require(id));
  services.store.update(id, patch);
  await services.persist();
  return {
    status: 200,
    body: { success: true, aiLlmId: id, message: "AI LLM configuration updated successfully" },
  };
}

async function deleteAiLlm(request: ApiRequest, services: ApiServices): Promise<ApiReply> {
  const id = request.params.id;
  requireAccess(authenticated(request), services.store.require(id));
  services.store.delete(id);
  await services.persist();
  return { status: 200, body: { success: true, message: "AI LLM configuration deleted successfully" } };
}

async function validateAiLlm(request: ApiRequest, services: ApiServices): Promise<ApiReply> {
  const id = request.params.id;
  requireAccess(authenticated(request), services.store.require(id));
  const result = services.store.validate(id);
  await services.persist();
  // 200 either way: success:false means the check ran and the provider refused.
  return { status: 200, body: result };
}

function listApiKeys(request: ApiRequest, services: ApiServices): ApiReply {
  const principal = authenticated(request);
  // Empty parameters are treated as absent, as `?workspaceId=` is on GET /ai/llm.
  const workspaceId = request.query.get("workspaceId") || undefined;
  const provider = request.query.get("provider") || undefined;
  const capability = parseCapability(request.query.get("capability"));
  const apiKeys = services.store.apiKeys
    .list()
    .filter(
      (k) =>
        canAccess(principal, k.workspaceId) &&
        (workspaceId === undefined || k.workspaceId === workspaceId) &&
        (provider === undefined || k.provider === provider) &&
        (capability === undefined || (capabilitiesOf(k.provider) & capability) !== 0),
    )
    .map((k) => apiKeyToWire(k, services.store));
  return { status: 200, body: { success: true, apiKeys } };
}

async function createApiKey(request: ApiRequest, services: ApiServices): Promise<ApiReply> {
  const principal = authenticated(request);
  const input = parseOrBadRequest(createApiKeyRequestSchema, requireObject(request.body));
  if (!canAccess(principal, input.workspaceId)) {
    throw forbidden(`Access denied: this token cannot access workspace '${input.workspaceId}'`);
  }
  const record = services.store.apiKeys.create(input, principal);
  await services.persist();
  return {
    status: 200,
    body: { success: true, apiKeyId: record.id, message: "API key created successfully" },
  };
}

async function updateApiKey(request: ApiRequest, services: ApiServices): Promise<ApiReply> {
  const principal = authenticated(request);
  const body = requireObject(request.body);
  // The schema would drop it silently; say so instead, as PUT /ai/llm/{id} does.
  if ("workspaceId" in body) {
    throw badRequest(
      "workspaceId cannot be changed: a stored key stays in its workspace; create a new one there instead",
    );
  }
  const patch = parseOrBadRequest(updateApiKeyRequestSchema, body);
  const id = request.params.id;
  requireApiKeyAccess(principal, services.store.apiKeys.require(id));
  services.store.updateApiKey(id, patch);
  await services.persist();
  return { status: 200, body: { success: true, message: "API key updated successfully" } };
}

async function deleteApiKey(request: ApiRequest, services: ApiServices): Promise<ApiReply> {
  const id = request.params.id;
  requireApiKeyAccess(authenticated(request), services.store.apiKeys.require(id));
  services.store.deleteApiKey(id);
  await services.persist();
  return { status: 200, body: { success: true, message: "API key deleted successfully" } };
}

/**
 * The `capability` filter: absent or empty means none; else a decimal or `0x` hex number
 * of bit flags (Storage 0x1, AI 0x2, Cloud 0x4, All 0xff), at most 32 bits wide.
 */
function parseCapability(raw: string | null): number | undefined {
  if (raw === null || raw === "") return undefined;
  const value = /^(?:0x[0-9a-f]+|\d+)$/i.test(raw) ? Number(raw) : Number.NaN;
  if (!(value <= 0xffffffff)) {
    throw badRequest(
      "capability must be a number of capability bit flags (Storage 0x1, AI 0x2, Cloud 0x4, All 0xff)",
    );
  }
  return value;
}

/**
 * A stored key as `GET /apikeys` lists it. `key` is the plain access key, as the client's
 * types list it (null if this emulator's key cannot open it); the secret never appears.
 * `aillm_count` counts the configurations that use the key; the emulator has no storage,
 * so `bucket_count` is always 0. Unset optional fields are left out.
 */
export function apiKeyToWire(record: ApiKeyRecord, store: AiLlmStore): StoredApiKey {
  return {
    id: record.id,
    key: store.apiKeys.plainKey(record),
    ...present("endpoint", record.endpoint),
    ...present("region", record.region),
    ...present("tenantId", record.tenantId),
    ...present("subscriptionId", record.subscriptionId),
    provider: record.provider,
    ...present("description", record.description),
    createdAt: record.createdAt,
    workspaceId: record.workspaceId,
    aillm_count: store.usersOfApiKey(record.id).length,
    bucket_count: 0,
  };
}

/** `{[field]: value}` when the value is set, else nothing to spread. */
function present<K extends string>(field: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [field]: value } as Record<K, string>);
}

/**
 * A configuration as the list endpoints return it: the documented fields, plus `apiKeyId`
 * (client types only) when it uses a stored key. `key` is always null (never masked,
 * never the value) and `secret` never appears.
 */
export function toWire(record: AiLlmRecord, store: AiLlmStore): AiLlmConfiguration {
  return {
    id: record.id,
    orgId: record.orgId,
    workspaceId: record.workspaceId,
    userId: record.userId,
    name: record.name,
    aiType: record.aiType,
    endpoint: record.endpoint,
    key: null,
    createdAt: record.createdAt,
    repos: repoRefs(store, record.id),
    ...(record.apiKeyId === null ? {} : { apiKeyId: record.apiKeyId }),
  };
}

/** The `repos` entries of a configuration: `{id, name, createdAt}` in link order. */
export function repoRefs(
  store: AiLlmStore,
  aiLlmId: string,
): Array<{ id: string; name: string; createdAt: string }> {
  return store.reposOf(aiLlmId).map((r) => ({ id: r.id, name: r.name, createdAt: r.createdAt }));
}

function requireObject(body: unknown): Record<string, unknown> {
  if (!isJsonObject(body)) throw badRequest("Request body must be a JSON object");
  return body;
}

function authenticated(request: ApiRequest): Principal {
  // The routes table marks these handlers auth: true, so the pipeline has set a principal.
  if (!request.principal) throw new Error("route marked auth: true ran without a principal");
  return request.principal;
}

function requireApiKeyAccess(principal: Principal, record: ApiKeyRecord): void {
  if (!canAccess(principal, record.workspaceId)) {
    throw forbidden(`Access denied: this token cannot access the workspace of API key '${record.id}'`);
  }
}

function requireAccess(principal: Principal, record: AiLlmRecord): void {
  if (!canAccess(principal, record.workspaceId)) {
    throw forbidden(
      `Access denied: this token cannot access the workspace of AI LLM configuration '${record.id}'`,
    );
  }
}
