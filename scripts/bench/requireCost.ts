/**
 * What `require("pulumi-flashback")` costs a program: the modules it adds and the time it
 * takes after `@pulumi/pulumi` is loaded, each in a fresh Node process in a project where
 * the package is installed as npm installs it.
 * @packageDocumentation
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { installedPackageDir } from "../../support/installedPackage";
import { median } from "./stats";

/** Result of {@link measureRequireCost}. */
export interface RequireCost {
  /** Modules added to require.cache by the require (the same on every run). */
  modules: number;
  /** Median wall time of the require over the runs, in ms. */
  ms: number;
  /** Every run's time, in ms. */
  runsMs: number[];
}

const SCRIPT = `
  require("@pulumi/pulumi");
  const before = Object.keys(require.cache).length;
  const started = process.hrtime.bigint();
  require("pulumi-flashback");
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ modules: Object.keys(require.cache).length - before, ms }));
`;

/** Requires the package `runs` times, each in a new process, and reports the median time. */
export function measureRequireCost(runs = 5): RequireCost {
  const projectDir = path.dirname(path.dirname(installedPackageDir()));
  const results = Array.from(
    { length: runs },
    () =>
      JSON.parse(execFileSync(process.execPath, ["-e", SCRIPT], { cwd: projectDir, encoding: "utf8" })) as {
        modules: number;
        ms: number;
      },
  );
  return {
    modules: Math.max(...results.map((r) => r.modules)),
    ms: median(results.map((r) => r.ms)),
    runsMs: results.map((r) => r.ms),
  };
}
