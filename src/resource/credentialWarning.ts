import * as pulumi from "@pulumi/pulumi";
import { currentRun } from "./programRun";

const CREDENTIAL_KEYS = ["flashback:token", "flashback:refreshToken"] as const;

/** The program runs already warned (see {@link currentRun}). */
const warnedRuns = new WeakSet<object>();

/**
 * The engine records the whole stack configuration as the inputs of the default
 * dynamic provider, so a credential set without `--secret` would sit in the state
 * file in plain text. Warns once per program run, naming the fix.
 */
export function warnIfCredentialsNotSecret(): void {
  const run = currentRun();
  if (warnedRuns.has(run)) return;
  warnedRuns.add(run);
  let isConfigSecret: ((key: string) => boolean) | undefined;
  try {
    // Not part of the typed surface in 3.248, hence the guarded lookup.
    isConfigSecret = require("@pulumi/pulumi/runtime/config").isConfigSecret;
  } catch {
    return;
  }
  if (typeof isConfigSecret !== "function") return;
  const config = new pulumi.Config("flashback");
  for (const fullKey of CREDENTIAL_KEYS) {
    const key = fullKey.slice("flashback:".length);
    if (config.get(key) !== undefined && !isConfigSecret(fullKey)) {
      pulumi.log.warn(
        `${fullKey} is stored in plain text and would be written to the state file; ` +
          `set it again with \`pulumi config set --secret ${fullKey} <value>\``,
      );
    }
  }
}
