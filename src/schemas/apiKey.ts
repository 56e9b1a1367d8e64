import { z } from "zod";
import { httpUrlSchema, nonBlankString } from "./common";

/*
 * Stored provider API keys (`/apikeys`). No docs page describes them; these schemas
 * follow the official client's types (`@flashbacktech/flashbackclient` 0.3.13) and are
 * tolerant where those types are loose: `provider` is any non-blank string (the same
 * records serve storage providers such as GCP or AZURE), unknown fields are kept.
 */

/** Capability bits of `GET /apikeys?capability=`: what a stored key may be used for. */
export const API_KEY_CAPABILITIES = { storage: 0x1, ai: 0x2, cloud: 0x4, all: 0xff } as const;

/** The optional descriptive fields a stored key carries beside its credentials. */
const apiKeyDetails = {
  endpoint: httpUrlSchema.optional(),
  region: z.string().optional(),
  tenantId: z.string().optional(),
  subscriptionId: z.string().optional(),
  description: z.string().optional(),
};

/** Body of `POST /apikeys`: `key`, `secret`, `provider` and `workspaceId` are required. */
export const createApiKeyRequestSchema = z.object({
  key: nonBlankString,
  secret: nonBlankString,
  provider: nonBlankString,
  workspaceId: nonBlankString,
  ...apiKeyDetails,
});

/** Body of `POST /apikeys`. */
export type CreateApiKeyRequest = z.infer<typeof createApiKeyRequestSchema>;

/** 200 answer of `POST /apikeys`: `apiKeyId` must be there, or the create cannot be tracked. */
export const createApiKeyResponseSchema = z.looseObject({
  success: z.boolean(),
  apiKeyId: nonBlankString,
  message: z.string().optional(),
});

/** 200 answer of `POST /apikeys`. */
export type CreateApiKeyResponse = z.infer<typeof createApiKeyResponseSchema>;

/**
 * Body of `PUT /apikeys/{id}`: any of the create fields but `workspaceId`, which a stored
 * key cannot change (the same rule as a configuration's).
 */
export const updateApiKeyRequestSchema = z.object({
  key: nonBlankString.optional(),
  secret: nonBlankString.optional(),
  provider: nonBlankString.optional(),
  ...apiKeyDetails,
});

/** Body of `PUT /apikeys/{id}`. */
export type UpdateApiKeyRequest = z.infer<typeof updateApiKeyRequestSchema>;

/** 200 answer of `PUT /apikeys/{id}` and `DELETE /apikeys/{id}`. */
export const apiKeyWriteResponseSchema = z.looseObject({
  success: z.boolean(),
  message: z.string().optional(),
});

/** 200 answer of `PUT /apikeys/{id}` and `DELETE /apikeys/{id}`. */
export type ApiKeyWriteResponse = z.infer<typeof apiKeyWriteResponseSchema>;

/** A count the client types leave loose: a non-negative integer, or a decimal string of one. */
const countSchema = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
  .transform((v) => (typeof v === "number" ? v : Number(v)));

/**
 * A stored key as `GET /apikeys` lists it: never its secret. `key` is listed (an access
 * key id, which may arrive masked); the counts say how many configurations
 * (`aillm_count`) and storage buckets (`bucket_count`) use it.
 */
export const storedApiKeySchema = z.looseObject({
  id: nonBlankString,
  key: z.string().nullish(),
  provider: z.string(),
  endpoint: z.string().nullish(),
  region: z.string().nullish(),
  tenantId: z.string().nullish(),
  subscriptionId: z.string().nullish(),
  description: z.string().nullish(),
  createdAt: z.string().optional(),
  workspaceId: z.string().optional(),
  aillm_count: countSchema.optional(),
  bucket_count: countSchema.optional(),
});

/** A stored provider key, as listed (never with its secret). */
export type StoredApiKey = z.infer<typeof storedApiKeySchema>;

/** 200 answer of `GET /apikeys`. */
export const listApiKeysResponseSchema = z.looseObject({
  success: z.boolean(),
  apiKeys: z.array(storedApiKeySchema),
});

/** 200 answer of `GET /apikeys`. */
export type ListApiKeysResponse = z.infer<typeof listApiKeysResponseSchema>;
