#!/usr/bin/env node
/**
 * `flashback-recover`: repairs a stack after an interrupted `pulumi up`, `preview`,
 * `refresh` or `destroy` (see {@link recover}). Exit codes: 0 repaired, 1 failed
 * (the message says what to do), 2 wrong usage.
 * @packageDocumentation
 */
import { parseRecoverArgs, UsageError, USAGE, type RecoverArgs } from "./args";
import { recover } from "./recover";

async function main(): Promise<void> {
  let args: RecoverArgs | null;
  try {
    args = parseRecoverArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`flashback-recover: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args === null) {
    process.stdout.write(USAGE);
    return;
  }
  await recover({ args });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    // Every message that reaches here is built without credentials (the client redacts
    // what the API says; configuration errors name settings, never their values).
    process.stderr.write(`flashback-recover: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
