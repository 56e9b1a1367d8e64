/**
 * The Flashback API client, published as `pulumi-flashback/client`: {@link FlashbackClient},
 * its options, its typed errors, the retry policy (exported so it can be reasoned about and
 * tested on its own), and the zod schemas of every body the API sends or receives.
 * @packageDocumentation
 */
export { FlashbackClient } from "./client";
export type { AttemptEvent, Clock, FlashbackClientOptions } from "./options";
export {
  FlashbackError,
  FlashbackBadRequestError,
  FlashbackUnauthorizedError,
  FlashbackForbiddenError,
  FlashbackNotFoundError,
  FlashbackRateLimitedError,
  FlashbackServerError,
  FlashbackNetworkError,
  FlashbackTimeoutError,
  FlashbackOutcomeUnknownError,
  FlashbackBadResponseError,
  isFlashbackError,
} from "./errors";
export type { FlashbackErrorCode, FlashbackErrorInit } from "./errors";
export { decideAfterFailure, shouldRetry, outcomeUnknown, retryDelayMs, parseRetryAfterMs } from "./retry";
export type { AttemptDecision, FailedAttempt, RetryDecisionInput, RetryDelayInput } from "./retry";
export * from "../schemas";
