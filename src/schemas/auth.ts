import { z } from "zod";
import { nonBlankString } from "./common";

/** Body of `POST /user/refresh`. */
export const refreshRequestSchema = z.object({
  refreshToken: nonBlankString,
});

/** Body of `POST /user/refresh`. */
export type RefreshRequest = z.infer<typeof refreshRequestSchema>;

/**
 * 200 answer of `POST /user/refresh`. The refresh token may be rotated, so the one
 * that comes back replaces the one sent. `expiresAt` has no documented unit: values
 * below 10^12 are read as seconds since the epoch, larger ones as milliseconds.
 */
export const refreshResponseSchema = z.looseObject({
  success: z.boolean(),
  accessToken: nonBlankString,
  refreshToken: z.string().optional(),
  expiresAt: z.number().nonnegative().optional(),
});

/** 200 answer of `POST /user/refresh`. */
export type RefreshResponse = z.infer<typeof refreshResponseSchema>;

/** Converts an `expiresAt` of unknown unit (seconds or milliseconds) to epoch milliseconds. */
export function expiresAtToEpochMs(expiresAt: number): number {
  return expiresAt < 1e12 ? expiresAt * 1000 : expiresAt;
}
