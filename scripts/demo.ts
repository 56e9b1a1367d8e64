/*
 * npm run demo: deploys examples/basic against a local Flashback emulator with
 * the real pulumi CLI, changes a configuration behind Pulumi's back, shows
 * `pulumi refresh` catching it and `pulumi up` restoring it, then destroys.
 * Needs no Flashback account. Secrets are random per run and never printed.
 */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { startEmulator } from "../src/emulator";
import { EngineStack } from "../support/engine";

const EXAMPLE = path.resolve(__dirname, "..", "examples", "basic", "index.ts");
const WORKSPACE = "workspace-demo";

function step(title: string): void {
  process.stdout.write(`\n=== ${title}\n`);
}

/** The example program, loaded afresh for each operation as `pulumi up` would run it. */
async function exampleProgram(): Promise<Record<string, unknown>> {
  delete require.cache[require.resolve(EXAMPLE)];
  return { ...require(EXAMPLE) };
}

async function main(): Promise<void> {
  const token = `demo-${randomBytes(16).toString("hex")}`;
  const emulator = await startEmulator({ tokens: [{ token, workspaces: [WORKSPACE] }] });
  const api = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${emulator.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  step(`Flashback emulator listening on ${emulator.url}`);

  const stack = await EngineStack.create({
    projectName: "flashback-basic",
    program: exampleProgram,
    config: {
      "flashback:apiUrl": { value: emulator.url },
      "flashback:token": { value: token, secret: true },
      "flashback-basic:workspaceId": { value: WORKSPACE },
      "flashback-basic:openaiSecret": { value: `sk-${randomBytes(16).toString("hex")}`, secret: true },
      "flashback-basic:anthropicSecret": { value: `sk-ant-${randomBytes(16).toString("hex")}`, secret: true },
    },
  });
  const print = (out: string) => process.stdout.write(out);
  try {
    step("pulumi up: deploy examples/basic");
    const up = await stack.up({ onOutput: print });
    step("Stack outputs");
    for (const [name, output] of Object.entries(up.outputs)) {
      console.log(`  ${name}: ${output.secret ? "[secret]" : JSON.stringify(output.value)}`);
    }

    const openaiId = String(up.outputs.openaiId.value);
    step(`Someone renames "Production OpenAI" in Flashback, outside Pulumi`);
    await api("PUT", `/ai/llm/${encodeURIComponent(openaiId)}`, { name: "Renamed by hand" });
    const listed = (await api("GET", `/ai/llm?workspaceId=${WORKSPACE}`)).aiLlms as { name: string }[];
    console.log(
      `  Flashback now lists: ${listed
        .map((c) => JSON.stringify(c.name))
        .sort()
        .join(", ")}`,
    );

    step("pulumi refresh: drift detection");
    await stack.refresh({ onOutput: print });

    step("pulumi up: restore the declared state");
    await stack.up({ onOutput: print });
    const restored = (await api("GET", `/ai/llm?workspaceId=${WORKSPACE}`)).aiLlms as { name: string }[];
    console.log(
      `  Flashback now lists: ${restored
        .map((c) => JSON.stringify(c.name))
        .sort()
        .join(", ")}`,
    );

    step("pulumi destroy");
    await stack.destroy({ onOutput: print });
    const left = (await api("GET", `/ai/llm?workspaceId=${WORKSPACE}`)).aiLlms as unknown[];
    console.log(`  configurations left in Flashback: ${left.length}`);
  } finally {
    await stack.cleanup();
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
