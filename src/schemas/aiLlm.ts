import { z } from "zod";
import { aiTypeSchema, counterSchema, httpUrlSchema, nonBlankString } from "./common";

/**
 * Body of `POST /ai/llm`. Credentials come inline (`secret`, optional `key`) or from a
 * stored provider key (`apiKeyUuid`, which the official client added in March 2026 and the
 * docs do not show): exactly one of `secret` and `apiKeyUuid`. The client types make
 * `endpoint` and `secret` optional and nullable, so null reads as absent; `endpoint` may be
 * left out only with a stored key, which can carry its own.
 */
export const createAiLlmRequestSchema = z
  .object({
    name: nonBlankString,
    aiType: aiTypeSchema,
    endpoint: httpUrlSchema.nullish(),
    key: z.string().nullish(),
    secret: nonBlankString.nullish(),
    apiKeyUuid: nonBlankString.optional(),
    workspaceId: nonBlankString,
  })
  .superRefine((body, context) => {
    const hasSecret = body.secret !== undefined && body.secret !== null;
    if (hasSecret && body.apiKeyUuid !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["apiKeyUuid"],
        message:
          "cannot be sent with secret: send secret for inline credentials or apiKeyUuid for a stored key",
      });
    } else if (!hasSecret && body.apiKeyUuid === undefined) {
      context.addIssue({
        code: "custom",
        path: ["secret"],
        message: "is required (or apiKeyUuid, to use a stored provider key)",
      });
    }
    if (body.apiKeyUuid === undefined && (body.endpoint === undefined || body.endpoint === null)) {
      context.addIssue({
        code: "custom",
        path: ["endpoint"],
        message: "is required with inline credentials",
      });
    }
  });

/** Body of `POST /ai/llm`. */
export type CreateAiLlmRequest = z.infer<typeof createAiLlmRequestSchema>;

/** 200 answer of `POST /ai/llm`: `aiLlmId` must be there, or the create cannot be tracked. */
export const createAiLlmResponseSchema = z.looseObject({
  success: z.boolean(),
  aiLlmId: nonBlankString,
  message: z.string().optional(),
});

/** 200 answer of `POST /ai/llm`. */
export type CreateAiLlmResponse = z.infer<typeof createAiLlmResponseSchema>;

/** One repository entry in a configuration's `repos` list. */
export const repoRefSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  createdAt: z.string().optional(),
});

/** A repository that uses a configuration. */
export type RepoRef = z.infer<typeof repoRefSchema>;

/**
 * A configuration as `GET /ai/llm` and `GET /ai/llm/available` return it.
 * `key` is documented both as always null and as masked, so either is accepted;
 * `apiKeyId` (client types only) names the stored provider key it uses, if any;
 * unknown fields are kept.
 */
export const aiLlmConfigurationSchema = z.looseObject({
  id: nonBlankString,
  orgId: z.string().optional(),
  workspaceId: z.string(),
  userId: z.string().optional(),
  name: z.string(),
  aiType: aiTypeSchema,
  endpoint: z.string(),
  key: z.string().nullable().optional(),
  createdAt: z.string().optional(),
  repos: z.array(repoRefSchema).optional(),
  apiKeyId: z.string().nullish(),
});

/** A stored configuration, as listed by the API (never with its secret). */
export type AiLlmConfiguration = z.infer<typeof aiLlmConfigurationSchema>;

/** 200 answer of `GET /ai/llm` and `GET /ai/llm/available`. */
export const listAiLlmsResponseSchema = z.looseObject({
  success: z.boolean(),
  aiLlms: z.array(aiLlmConfigurationSchema),
});

/** 200 answer of the two list endpoints. */
export type ListAiLlmsResponse = z.infer<typeof listAiLlmsResponseSchema>;

/**
 * Body of `PUT /ai/llm/{id}`: a partial update, every field optional.
 * `workspaceId` is not part of it: a configuration cannot move between workspaces.
 * `secret` moves a configuration to inline credentials and `apiKeyUuid` to a stored key,
 * so the two are not sent together.
 */
export const updateAiLlmRequestSchema = z
  .object({
    name: nonBlankString.optional(),
    aiType: aiTypeSchema.optional(),
    endpoint: httpUrlSchema.optional(),
    key: z.string().optional(),
    secret: nonBlankString.optional(),
    apiKeyUuid: nonBlankString.optional(),
  })
  .refine((body) => body.secret === undefined || body.apiKeyUuid === undefined, {
    path: ["apiKeyUuid"],
    message: "cannot be sent with secret: send secret for inline credentials or apiKeyUuid for a stored key",
  });

/** Body of `PUT /ai/llm/{id}`. */
export type UpdateAiLlmRequest = z.infer<typeof updateAiLlmRequestSchema>;

/** 200 answer of `PUT /ai/llm/{id}`; the docs give none, the client types `{success, aiLlmId, message?}`. */
export const updateAiLlmResponseSchema = z.looseObject({
  success: z.boolean(),
  aiLlmId: z.string().optional(),
  message: z.string().optional(),
});

/** 200 answer of `PUT /ai/llm/{id}`. */
export type UpdateAiLlmResponse = z.infer<typeof updateAiLlmResponseSchema>;

/** 200 answer of `DELETE /ai/llm/{id}`. */
export const deleteAiLlmResponseSchema = z.looseObject({
  success: z.boolean(),
  message: z.string().optional(),
});

/** 200 answer of `DELETE /ai/llm/{id}`. */
export type DeleteAiLlmResponse = z.infer<typeof deleteAiLlmResponseSchema>;

/**
 * 200 answer of `POST /ai/llm/{id}/validate`. `success:false` with a 200 means the
 * check ran and the provider refused; both fields are required by the docs.
 */
export const validateAiLlmResponseSchema = z.looseObject({
  success: z.boolean(),
  message: z.string(),
});

/** 200 answer of `POST /ai/llm/{id}/validate`. */
export type ValidateAiLlmResponse = z.infer<typeof validateAiLlmResponseSchema>;

/** Usage counters of one configuration; counters arrive as strings or numbers, parse to numbers. */
export const aiLlmStatsSchema = z.looseObject({
  aiLlmId: z.string(),
  totalApiCalls: counterSchema,
  totalTokensIn: counterSchema,
  totalTokensOut: counterSchema,
  totalLlmTokensIn: counterSchema,
  totalLlmTokensOut: counterSchema,
  totalPolicyViolations: counterSchema,
  totalAlerts: counterSchema,
  totalBlocks: counterSchema,
});

/** Usage counters of one configuration. */
export type AiLlmStats = z.infer<typeof aiLlmStatsSchema>;

/** 200 answer of `GET /ai/llm/stats`. */
export const aiLlmStatsResponseSchema = z.looseObject({
  success: z.boolean(),
  stats: z.array(aiLlmStatsSchema),
});

/** 200 answer of `GET /ai/llm/stats`. */
export type AiLlmStatsResponse = z.infer<typeof aiLlmStatsResponseSchema>;
