/**
 * The inline Pulumi programs the benchmark deploys: N no-op resources (the engine floor)
 * and N `AiLlmConfig` resources in one workspace (ours).
 * @packageDocumentation
 */
import { randomBytes } from "node:crypto";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { installedPackage } from "../../support/installedPackage";
import { TrivialResource } from "../../support/trivialResource";

// The package as `npm install` puts it in a user's project (see installedPackage.ts).
const { AiLlmConfig } = installedPackage();

/** The workspace every benchmarked configuration lives in. */
export const BENCH_WORKSPACE = "ws-bench";

/** A program declaring `n` {@link TrivialResource}s, which make no API call. */
export function trivialProgram(n: number): PulumiFn {
  return async () => {
    for (let i = 0; i < n; i++) new TrivialResource(`trivial-${i}`, i);
  };
}

/**
 * A program declaring `n` `AiLlmConfig`s in {@link BENCH_WORKSPACE}, each with its own
 * random secret (a Pulumi secret, as users pass them). Validation stays off (the default),
 * so a create is the provider's own work and nothing else.
 */
export function aiLlmProgram(n: number): PulumiFn {
  const secrets = Array.from({ length: n }, () => `sk-bench-${randomBytes(16).toString("hex")}`);
  return async () => {
    for (let i = 0; i < n; i++) {
      new AiLlmConfig(`config-${i}`, {
        name: `bench-config-${i}`,
        aiType: "OPENAI",
        endpoint: "https://api.openai.com/v1",
        secret: secrets[i],
        workspaceId: BENCH_WORKSPACE,
      });
    }
  };
}
