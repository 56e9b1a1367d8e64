import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { installedPackage } from "../../support/installedPackage";
import type { RequestLogEntry } from "../../src/emulator";
import { EmulatorHandle } from "../../support/emulator";
import { EngineStack, ensurePulumiRoot } from "../../support/engine";
import { FAULT_SCENARIOS, type Phase } from "./scenarios";

// The package as `npm install` puts it in a user's project (see installedPackage.ts).
const { AiLlmConfig } = installedPackage();

/*
 * `pulumi up` of 20 configurations, then a rename of all 20, then destroy, with
 * faults injected by the emulator before each phase. Whatever happens, after
 * each phase (and at most one re-run when the first run fails) the emulator
 * holds exactly the declared configurations, each once, the state holds exactly
 * their ids, nothing secret was written, and any error a user saw was readable
 * and named the resource. The counts feed the README's reliability table.
 */

const COUNT = 20;
const TOKEN = `fault-token-${randomBytes(8).toString("hex")}`;
const SECRET = `sk-fault-${randomBytes(8).toString("hex")}`;

/** What one scenario saw, for the report printed at the end. */
interface ScenarioReport {
  scenario: string;
  injected: number;
  reruns: number;
  lostOrDuplicated: number;
  errors: string[];
}

const reports: ScenarioReport[] = [];

describe("fault injection through the real engine (20 configurations)", function () {
  this.timeout(600_000);
  let emulator: EmulatorHandle;

  before(async () => {
    ensurePulumiRoot();
    emulator = await EmulatorHandle.start({ tokens: [{ token: TOKEN, workspaces: ["ws-faults"] }] });
  });

  after(async () => {
    await emulator?.close();
    if (reports.length > 0) {
      console.log("\n  scenario | faults injected | re-runs | lost or duplicated");
      for (const r of reports) {
        console.log(`  ${r.scenario} | ${r.injected} | ${r.reruns} | ${r.lostOrDuplicated}`);
      }
    }
  });

  for (const scenario of FAULT_SCENARIOS) {
    it(scenario.name, async () => {
      await emulator.reset();
      let prefix = "cfg";
      let declaredCount = COUNT;
      const engine = await EngineStack.create({
        program: async () => {
          for (let i = 0; i < declaredCount; i++) {
            new AiLlmConfig(`config-${i}`, {
              name: `${prefix}-${i}`,
              aiType: "OPENAI",
              endpoint: `https://llm-${i}.example.com/v1`,
              secret: SECRET,
              workspaceId: "ws-faults",
            });
          }
        },
        config: {
          "flashback:apiUrl": { value: emulator.url },
          "flashback:token": { value: TOKEN, secret: true },
          ...(scenario.requestTimeoutMs
            ? { "flashback:requestTimeoutMs": { value: String(scenario.requestTimeoutMs) } }
            : {}),
        },
      });
      const report: ScenarioReport = {
        scenario: scenario.name,
        injected: 0,
        reruns: 0,
        lostOrDuplicated: 0,
        errors: [],
      };
      reports.push(report);

      /** Runs a phase with its faults; a failed first run is re-run once, as a pipeline would. */
      const runPhase = async (phase: Phase, operation: () => Promise<unknown>) => {
        await emulator.clearFaults();
        await emulator.clearRequests();
        for (const fault of scenario.faults(phase)) await emulator.fault(fault);
        try {
          await operation();
        } catch (error) {
          const message = (error as Error).message;
          report.errors.push(message);
          // Readable: the engine names the resource; ours names the configuration and why.
          assert.match(message, /AiLlmConfig::config-\d+|config-\d+/, "the error names the resource");
          assert.ok(!message.includes(SECRET) && !message.includes(TOKEN), "no secret in the error");
          report.reruns += 1;
          await emulator.clearFaults();
          await operation();
        }
        const requests: RequestLogEntry[] = await emulator.requests();
        report.injected += requests.filter((r) => r.fault !== undefined).length;
      };

      const assertInSync = async (names: string[]) => {
        const live = (await emulator.state()).aiLlms;
        const liveNames = live.map((c) => c.name).sort();
        const expected = [...names].sort();
        const missing = expected.filter((n) => !liveNames.includes(n)).length;
        const extra = liveNames.length - (expected.length - missing);
        report.lostOrDuplicated += missing + extra;
        assert.deepEqual(liveNames, expected, "exactly the declared configurations, each once");
        const stateIds = (await engine.resourcesOfType()).map((r) => r.id).sort();
        assert.deepEqual(stateIds, live.map((c) => c.id).sort(), "the state holds exactly their ids");
      };

      try {
        const names = () => Array.from({ length: declaredCount }, (_, i) => `${prefix}-${i}`);
        await runPhase("create", () => engine.up({ parallel: 8 }));
        await assertInSync(names());

        prefix = "renamed";
        await runPhase("update", () => engine.up({ parallel: 8 }));
        await assertInSync(names());

        declaredCount = 0;
        await runPhase("delete", () => engine.destroy({ parallel: 8 }));
        await assertInSync([]);

        const written = await engine.everythingWritten();
        assert.ok(!written.includes(SECRET), "secret written in plain text");
        assert.ok(!written.includes(TOKEN), "token written in plain text");
        assert.ok(report.injected > 0, "the scenario injected faults");
      } finally {
        await engine.cleanup();
      }
    });
  }
});
