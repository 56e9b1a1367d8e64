/**
 * One measurement each: the engine floor, the API floor, and our resource through the
 * real engine (its `up`, then a no-change `up`, a `preview` and a `refresh` with the
 * resources deployed). Every function starts what it needs (an emulator on loopback, a
 * stack in a temporary folder) and closes or removes it before returning, error or not.
 * @packageDocumentation
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FlashbackClient } from "pulumi-flashback/client";
import { EmulatorHandle } from "../../support/emulator";
import { EngineStack } from "../../support/engine";
import { ProviderMemorySampler } from "./memory";
import { aiLlmProgram, BENCH_WORKSPACE, trivialProgram } from "./programs";
import { timed } from "./stats";

/** The state type of `AiLlmConfig` resources. */
const AI_LLM_TYPE = "pulumi-nodejs:dynamic/flashback:AiLlmConfig";
/** Project name of the stacks that deploy ours (it names the state file). */
const OURS_PROJECT = "bench-ours";
/** Methods that change something in Flashback. */
const WRITE_METHODS = new Set(["POST", "PUT", "DELETE"]);

/** One emulator request, as far as counting goes. */
interface LoggedRequest {
  method: string;
  path: string;
}

/** API calls of one operation, from the emulator's request log. */
export interface CallCounts {
  /** Every API request. */
  total: number;
  /** POST, PUT and DELETE requests. */
  writes: number;
  /** `POST /ai/llm` (creates). */
  creates: number;
  /** `GET /ai/llm` (workspace lists). */
  lists: number;
}

/** Counts the requests of one operation. */
export function countCalls(requests: readonly LoggedRequest[]): CallCounts {
  return {
    total: requests.length,
    writes: requests.filter((r) => WRITE_METHODS.has(r.method)).length,
    creates: requests.filter((r) => r.method === "POST" && r.path === "/ai/llm").length,
    lists: requests.filter((r) => r.method === "GET" && r.path === "/ai/llm").length,
  };
}

/** Result of {@link measureEngineFloor}. */
export interface EngineFloorRun {
  /** Wall time of `pulumi up` creating the stack and N trivial resources. */
  upMs: number;
  /** Peak RSS of the dynamic-provider process during that up. */
  providerPeakMB: number;
}

/** Result of {@link measureApiFloor}. */
export interface ApiFloorRun {
  /** Wall time of N creates through one `FlashbackClient`, `concurrency` at a time. */
  createsMs: number;
}

/** One operation of {@link OursRun} after the first up. */
export interface FollowUpRun {
  /** Wall time from the Automation API call to its return. */
  ms: number;
  calls: CallCounts;
  /** The engine's change summary (e.g. `{ same: 101 }`). */
  changes: Record<string, number>;
}

/** Result of {@link measureOurs}. */
export interface OursRun {
  /** Wall time of `pulumi up` creating the stack and N `AiLlmConfig`s on a fresh stack. */
  upMs: number;
  /** API calls of that up. */
  upCalls: CallCounts;
  /** Peak RSS of the dynamic-provider process during that up. */
  providerPeakMB: number;
  /** Present unless `followUps` was false. */
  noChangeUp?: FollowUpRun;
  preview?: FollowUpRun;
  refresh?: FollowUpRun;
  /** Bytes of the N `AiLlmConfig` resources in `pulumi stack export` (secrets encrypted), compact JSON, divided by N. */
  exportBytesPerResource: number;
  /** Bytes of the stack's state file on disk (every resource, pretty-printed), divided by N. */
  stateFileBytesPerResource: number;
  /** Bytes of one resource's `__provider` in the exported state. */
  stateProviderBytes: number;
}

/** A random bearer token and an emulator that accepts it for {@link BENCH_WORKSPACE}. */
async function startBenchEmulator(): Promise<EmulatorHandle> {
  const token = `bench-${randomBytes(16).toString("hex")}`;
  return EmulatorHandle.start({ tokens: [{ token, workspaces: [BENCH_WORKSPACE] }] });
}

/** The `PULUMI_HOME=...` entry that the stack's CLI and its plugins have in their environment. */
function pulumiHomeMarker(engine: EngineStack): string {
  return `PULUMI_HOME=${path.join(engine.root, "pulumi-home")}`;
}

/** Runs `fn` while sampling the memory of the stack's dynamic-provider process. */
async function withMemorySampler<T>(
  engine: EngineStack,
  fn: () => Promise<T>,
): Promise<{ result: T; peakMB: number }> {
  const sampler = new ProviderMemorySampler(pulumiHomeMarker(engine));
  sampler.start();
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    await sampler.stop();
    throw error;
  }
  return { result, peakMB: (await sampler.stop()).peakMB };
}

function expectChanges(
  what: string,
  actual: Record<string, number> | undefined,
  expected: Record<string, number>,
) {
  const got = JSON.stringify(actual ?? {});
  if (got !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected resource changes ${JSON.stringify(expected)}, got ${got}`);
  }
}

/**
 * The engine floor: `pulumi up` of N {@link TrivialResource}s on a fresh stack, with the
 * same engine and the same `parallel` as ours.
 */
export async function measureEngineFloor(n: number, parallel: number): Promise<EngineFloorRun> {
  const engine = await EngineStack.create({ program: trivialProgram(n), projectName: "bench-floor" });
  try {
    const { result, peakMB } = await withMemorySampler(engine, () => timed(() => engine.up({ parallel })));
    expectChanges("engine floor up", result.result.summary.resourceChanges, { create: n + 1 });
    return { upMs: result.ms, providerPeakMB: peakMB };
  } finally {
    await engine.cleanup();
  }
}

/**
 * The API floor: N creates straight through one {@link FlashbackClient}, `concurrency`
 * in flight at a time, against a fresh emulator.
 */
export async function measureApiFloor(n: number, concurrency: number): Promise<ApiFloorRun> {
  const emulator = await startBenchEmulator();
  const client = new FlashbackClient({ baseUrl: emulator.url, accessToken: emulator.token });
  try {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        await client.createAiLlm({
          name: `bench-config-${i}`,
          aiType: "OPENAI",
          endpoint: "https://api.openai.com/v1",
          secret: `sk-bench-${randomBytes(16).toString("hex")}`,
          workspaceId: BENCH_WORKSPACE,
        });
      }
    };
    const { ms } = await timed(() => Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker)));
    const created = (await emulator.state()).aiLlms.length;
    if (created !== n)
      throw new Error(`API floor: expected ${n} configurations, the emulator holds ${created}`);
    return { createsMs: ms };
  } finally {
    await client.close();
    await emulator.close();
  }
}

/** Runs one operation after the first up and reads its API calls off the emulator log. */
async function followUp(
  emulator: EmulatorHandle,
  operation: () => Promise<Record<string, number> | undefined>,
): Promise<FollowUpRun> {
  await emulator.clearRequests();
  const { ms, result } = await timed(operation);
  return { ms, calls: countCalls(await emulator.requests()), changes: result ?? {} };
}

/** The stack's state file: `<backend>/.pulumi/stacks/<project>/<stack>.json`. */
async function stateFileBytes(engine: EngineStack): Promise<number> {
  const file = path.join(engine.stateDir, ".pulumi", "stacks", OURS_PROJECT, `${engine.stack.name}.json`);
  return (await fs.stat(file)).size;
}

/**
 * Ours: `pulumi up` of N `AiLlmConfig`s on a fresh stack against a fresh emulator; then,
 * with the N deployed and unless `followUps` is false, a no-change `up`, a `preview` and
 * a `refresh`, each with its API calls; and the state's size.
 */
export async function measureOurs(n: number, parallel: number, followUps = true): Promise<OursRun> {
  const emulator = await startBenchEmulator();
  let engine: EngineStack | undefined;
  try {
    engine = await EngineStack.create({
      program: aiLlmProgram(n),
      projectName: OURS_PROJECT,
      config: {
        "flashback:apiUrl": { value: emulator.url },
        "flashback:token": { value: emulator.token, secret: true },
      },
    });
    const stack = engine;
    await emulator.clearRequests();
    const { result: up, peakMB } = await withMemorySampler(stack, () => timed(() => stack.up({ parallel })));
    expectChanges("ours up", up.result.summary.resourceChanges, { create: n + 1 });
    const upCalls = countCalls(await emulator.requests());
    const live = (await emulator.state()).aiLlms.length;
    if (live !== n) throw new Error(`ours up: expected ${n} configurations, the emulator holds ${live}`);

    const run: OursRun = {
      upMs: up.ms,
      upCalls,
      providerPeakMB: peakMB,
      exportBytesPerResource: 0,
      stateFileBytesPerResource: 0,
      stateProviderBytes: 0,
    };
    if (followUps) {
      run.noChangeUp = await followUp(
        emulator,
        async () => (await stack.up({ parallel })).summary.resourceChanges as Record<string, number>,
      );
      run.preview = await followUp(
        emulator,
        async () => (await stack.preview({ parallel })).changeSummary as Record<string, number>,
      );
      run.refresh = await followUp(
        emulator,
        async () => (await stack.refresh({ parallel })).summary.resourceChanges as Record<string, number>,
      );
    }

    const exported = JSON.parse(await stack.exportText()) as {
      deployment: { resources?: { type: string; outputs?: { __provider?: string } }[] };
    };
    const resources = (exported.deployment.resources ?? []).filter((r) => r.type === AI_LLM_TYPE);
    if (resources.length !== n) throw new Error(`state holds ${resources.length} AiLlmConfig, expected ${n}`);
    run.exportBytesPerResource = Buffer.byteLength(JSON.stringify(resources)) / n;
    run.stateFileBytesPerResource = (await stateFileBytes(stack)) / n;
    run.stateProviderBytes = Buffer.byteLength(resources[0].outputs?.__provider ?? "");
    return run;
  } finally {
    await engine?.cleanup();
    await emulator.close();
  }
}

/**
 * The provider shim as `pulumi.dynamic.Resource` serializes it into every resource's
 * `__provider`: `serializeFunction(() => providerShim)` on the compiled module, loaded by
 * the package's name as a user's program loads it.
 * @returns its length in bytes.
 */
export async function serializedShimBytes(): Promise<number> {
  const { providerShim } = require("pulumi-flashback/dist/resource/providerShim.js");
  const serialized = await pulumi.runtime.serializeFunction(() => providerShim, { allowSecrets: true });
  return Buffer.byteLength(serialized.text);
}
