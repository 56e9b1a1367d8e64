/**
 * A local emulator of the Flashback API, published as `pulumi-flashback/emulator`: a real HTTP server with bearer auth,
 * workspace scoping, sealed credentials, optional file persistence, and a `/_emulator`
 * control API for reset, seeding and fault injection.
 * @packageDocumentation
 */
export { startEmulator, type EmulatorOptions, type RunningEmulator } from "./server";
export { DEFAULT_EMULATOR_TOKEN, type TokenSeed, type RefreshTokenSeed } from "./auth";
export type { EmulatorStateView, SeedRequest, StateAiLlm, StateApiKey, StateRepo } from "./control";
export type { Fault, FaultAction, FaultSpec } from "./faults";
export type { RequestLogEntry } from "./requestLog";
export type { ValidationOutcome } from "./store";
export type { ApiKeyRecord } from "./apiKeyStore";
