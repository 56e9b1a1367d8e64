import { z } from "zod";
import { nonBlankString } from "./common";

/**
 * Body of `POST /user/refresh`, in either form: `refresh_token` is what the official
 * client (`@flashbacktech/flashbackclient` 0.3.13) sends and so what the live service is
 * used with; `refreshToken` is what the docs page shows. Parsed to one `refreshToken`.
 */
export const refreshRequestSchema = z
  .object({
    refresh_token: nonBlankString.optional(),
    refreshToken: nonBlankString.optional(),
  })
  .refine((body) => body.refresh_token !== undefined || body.refreshToken !== undefined, {
    message: "is required (send refresh_token, or refreshToken as the docs show)",
    path: ["refresh_token"],
  })
  .transform((body) => ({ refreshToken: (body.refresh_token ?? body.refreshToken) as string }));

/** Body of `POST /user/refresh` once parsed. */
export type RefreshRequest = z.output<typeof refreshRequestSchema>;

/**
 * The body the client sends to `POST /user/refresh`: the official client's field, and the
 * documented one beside it, so a server that reads either (and ignores the other) accepts it.
 */
export function refreshRequestBody(refreshToken: string): Record<string, string> {
  return { refresh_token: refreshToken, refreshToken };
}

/**
 * 200 answer of `POST /user/refresh`. The refresh token may be rotated, so the one
 * that comes back replaces the one sent. `expiresAt` has no documented unit: values
 * below 10^12 are read as seconds since the epoch, larger ones as milliseconds.
 */
export const refreshResponseSchema = z
  .looseObject({
    success: z.boolean(),
    // The docs name the new access token `accessToken`; the official client's type also has `token`.
    accessToken: nonBlankString.optional(),
    token: nonBlankString.optional(),
    refreshToken: z.string().optional(),
    expiresAt: z.number().nonnegative().optional(),
  })
  .refine((body) => !body.success || body.accessToken !== undefined || body.token !== undefined, {
    message: "a successful answer must carry the new access token as accessToken or token",
    path: ["accessToken"],
  })
  .transform(
    (body) =>
      ({ ...body, accessToken: body.accessToken ?? body.token }) as typeof body & { accessToken: string },
  );

/** 200 answer of `POST /user/refresh`, with `accessToken` filled from `token` when only that was sent. */
export type RefreshResponse = z.output<typeof refreshResponseSchema>;

/** Converts an `expiresAt` of unknown unit (seconds or milliseconds) to epoch milliseconds. */
export function expiresAtToEpochMs(expiresAt: number): number {
  return expiresAt < 1e12 ? expiresAt * 1000 : expiresAt;
}
