import assert from "node:assert/strict";
import { createAiLlmResponseSchema, errorEnvelopeSchema } from "../src/schemas";
import type { ApiResult, EmulatorHandle } from "./emulator";

/** A distinctive secret: any appearance of it in a log, file or answer is a leak. */
export const SECRET = "sk-proj-EMULATOR-TEST-SECRET-7f3a9c";

/** A distinctive access key, for the same reason. */
export const KEY = "ak-EMULATOR-TEST-KEY-51d2e8";

let counter = 0;

/** A valid `POST /ai/llm` body with a fresh name; fields can be overridden. */
export function configBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    name: `config-${counter}`,
    aiType: "OPENAI",
    endpoint: "https://api.openai.com/v1",
    secret: SECRET,
    workspaceId: "ws-1",
    ...overrides,
  };
}

/** Creates a configuration, insists on success, and returns its id. */
export async function createConfig(
  emu: EmulatorHandle,
  overrides: Record<string, unknown> = {},
  token?: string,
): Promise<string> {
  const res = await emu.api("POST", "/ai/llm", configBody(overrides), token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return createAiLlmResponseSchema.parse(res.body).aiLlmId;
}

/** Asserts an error answer: status, the `{success:false, message}` envelope, and a message pattern. */
export function assertError(res: ApiResult, status: number, message?: RegExp | string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const envelope = errorEnvelopeSchema.parse(res.body);
  assert.equal(envelope.success, false);
  assert.equal(typeof envelope.message, "string");
  if (typeof message === "string") assert.equal(envelope.message, message);
  else if (message) assert.match(envelope.message ?? "", message);
}

/** Resolves after `ms` milliseconds. */
export function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
