import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, "..", "..");

/*
 * The README's quick start promises that `npm run demo` works on a fresh clone:
 * run its script (npm test has already built) and check what it shows.
 */
describe("npm run demo", function () {
  this.timeout(300_000);

  it("deploys the example, catches the drift, restores it, destroys, and prints no secret", async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
        path.join(REPO_ROOT, "scripts", "demo.ts"),
      ],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    assert.match(stdout, /Flashback now lists: "Claude", "Renamed by hand"/);
    assert.match(stdout, /pulumi refresh: drift detection[\s\S]*\[diff: ~name\]/);
    assert.match(
      stdout,
      /pulumi up: restore the declared state[\s\S]*Flashback now lists: "Claude", "Production OpenAI"/,
    );
    assert.match(stdout, /configurations left in Flashback: 0/);
    // The demo's secrets are sk-<32 hex> and its token demo-<32 hex>, random per run.
    assert.doesNotMatch(stdout, /sk-(ant-)?[0-9a-f]{32}/);
    assert.doesNotMatch(stdout, /demo-[0-9a-f]{32}/);
  });
});
