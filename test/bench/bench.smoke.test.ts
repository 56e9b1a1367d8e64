import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { REPO_ROOT } from "../../support/engine";

/*
 * A smoke test that `npm run bench` keeps working: the script runs end to end at N=5,
 * once, and prints the JSON report on stdout alone. It asserts the report's shape and
 * the write-call targets (which do not depend on timing), never a timing threshold.
 * `npm test` builds dist/ before mocha runs, which the script needs.
 */

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: string[]): Promise<ChildResult> {
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["tsx", "scripts/bench.ts", ...args],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 280_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const PER_N_FIGURES = [
  "engineFloorMs",
  "apiFloorMs",
  "oursUpMs",
  "oursOverEngineFloor",
  "oursOverEngineAndApiFloor",
  "oursUpApiCalls",
  "noChangeUpMs",
  "previewMs",
  "refreshMs",
  "refreshListCalls",
  "stateBytesPerResource",
  "stateFileBytesPerResource",
  "providerPeakMB",
];

const TARGETS = [
  "refreshListCallsPerWorkspace@N=5",
  "oursOverEngineFloor@N=5",
  "createReadBackLists@N=5",
  "providerPeakOverFloorMB@N=5",
  "noChangeUpWrites@N=5",
  "noChangePreviewWrites@N=5",
  "serializedProviderBytes",
  "stateBytesPerResource",
  "requireModules",
  "requireMs",
];

describe("npm run bench (smoke: N=5, one run)", function () {
  this.timeout(300_000);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let report: any;
  let result: ChildResult;

  before(async () => {
    result = await runBench(["--json", "--sizes", "5", "--runs", "1"]);
  });

  it("exits 0 and prints one JSON object on stdout", () => {
    assert.equal(result.code, 0, `bench failed:\n${result.stderr.slice(-4000)}`);
    report = JSON.parse(result.stdout);
    assert.equal(typeof report, "object");
    assert.ok(report !== null && !Array.isArray(report));
  });

  it("reports the machine", () => {
    assert.ok(report, "no report");
    assert.ok(report.machine.cores > 0);
    assert.match(report.machine.node, /^v\d+/);
    assert.match(report.machine.pulumi, /\d+\.\d+\.\d+/);
  });

  it("has every figure for N=5, positive", () => {
    assert.ok(report, "no report");
    const figures = report.figures["N=5"];
    assert.ok(figures, `no N=5 figures; keys: ${Object.keys(report.figures ?? {}).join(", ")}`);
    assert.equal(figures.n, 5);
    for (const name of PER_N_FIGURES) {
      assert.equal(typeof figures[name], "number", `${name} is not a number`);
      assert.ok(figures[name] > 0, `${name} is ${figures[name]}`);
    }
    assert.ok(report.serializedProvider.serializeFunctionBytes > 0);
    assert.ok(report.serializedProvider.stateBytes > 0);
    assert.ok(report.requireCost.modules > 0 && report.requireCost.ms > 0);
    assert.equal(report.requireCost.runsMs.length, 5);
  });

  it("has the ten targets, keyed @N=5 where per-N, each with numeric value/limit and boolean held", () => {
    assert.ok(report, "no report");
    assert.deepEqual(Object.keys(report.targets).sort(), [...TARGETS].sort());
    for (const name of TARGETS) {
      const t = report.targets[name];
      assert.equal(typeof t.value, "number", `${name}.value`);
      assert.equal(typeof t.limit, "number", `${name}.limit`);
      assert.equal(typeof t.held, "boolean", `${name}.held`);
    }
  });

  it("reads the 5 creates back with fewer lists than creates, and the root import stays light (deterministic figures)", () => {
    assert.ok(report, "no report");
    assert.ok(report.targets["createReadBackLists@N=5"].value < 5, "fewer lists than creates");
    assert.equal(report.targets.requireModules.held, true, `${report.targets.requireModules.value} modules`);
  });

  it("makes no write call on a no-change up or a preview", () => {
    assert.ok(report, "no report");
    for (const name of ["noChangeUpWrites@N=5", "noChangePreviewWrites@N=5"]) {
      assert.equal(report.targets[name].value, 0, name);
      assert.equal(report.targets[name].held, true, name);
    }
  });
});
