import { statSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

/** What `flashback-recover` was asked to do. */
export interface RecoverArgs {
  /** Stack to recover; undefined means the project's selected stack. */
  stack: string | undefined;
  /** Absolute path of the Pulumi project folder. */
  cwd: string;
}

/** A command-line mistake: reported with the usage and exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The help text of the command. */
export const USAGE = `Usage: flashback-recover [--stack NAME] [--cwd DIR]

Repairs a stack after a pulumi up, preview, refresh or destroy was killed
(a CD runner's timeout or cancel): removes the lock the killed run left,
imports the AiLlmConfig and ProviderApiKey resources whose create reached
Flashback, drops the creates that never did, and refreshes the rest from
Flashback. Then re-run the interrupted command.

Run it only when no other Pulumi operation is running on the stack (for
example at the start of the next CD job): it cancels whatever holds the lock.

Options:
  --stack NAME   stack to repair (default: the project's selected stack)
  --cwd DIR      Pulumi project folder (default: the current folder)
  --help         show this help

Credentials come from the stack config (flashback:apiUrl, flashback:token,
flashback:refreshToken), then the environment (FLASHBACK_API_URL,
FLASHBACK_TOKEN, FLASHBACK_REFRESH_TOKEN), as for the resource itself.
`;

/**
 * Turns argv (without node and the script) into {@link RecoverArgs}.
 * @returns null when `--help` was asked for.
 * @throws UsageError on an unknown flag, a positional argument, an empty value or a
 *   `--cwd` that is not a folder.
 */
export function parseRecoverArgs(
  argv: readonly string[],
  baseDir: string = process.cwd(),
): RecoverArgs | null {
  let values: { stack?: string; cwd?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        cwd: { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return null;
  if (values.stack !== undefined && values.stack.trim() === "")
    throw new UsageError("--stack needs a stack name");
  if (values.cwd !== undefined && values.cwd.trim() === "") throw new UsageError("--cwd needs a folder");
  const cwd = path.resolve(baseDir, values.cwd ?? ".");
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`--cwd: no folder ${cwd}`);
  return { stack: values.stack?.trim(), cwd };
}
