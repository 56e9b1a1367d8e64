/** Stand-in for the run when the SDK offers no per-run store. */
const PROCESS_RUN = {};

/**
 * An object that stands for the current program run, so that per-run bookkeeping
 * (warnings given, configurations declared) starts fresh for each run: the SDK's
 * per-run store where there is one (an Automation API process runs many programs),
 * the process itself otherwise.
 */
export function currentRun(): object {
  try {
    // Internal in 3.248; an inline Automation API program gets a fresh store per run.
    const store = require("@pulumi/pulumi/runtime/state").getStore();
    return typeof store === "object" && store !== null ? store : PROCESS_RUN;
  } catch {
    return PROCESS_RUN;
  }
}
