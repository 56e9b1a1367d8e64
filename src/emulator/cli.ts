#!/usr/bin/env node
import { parseArgs } from "node:util";
import { DEFAULT_EMULATOR_TOKEN } from "./auth";
import { ENCRYPTION_KEY_ENV } from "./crypto";
import { startEmulator, type EmulatorOptions, type RunningEmulator } from "./server";

/** Port the command listens on when `--port` is not given. */
export const DEFAULT_CLI_PORT = 8787;

const USAGE = `Usage: flashback-emulator [options]

Runs a local emulator of the Flashback AI LLM API.

Options:
  --host HOST        interface to bind (default 127.0.0.1)
  --port PORT        port to listen on, 0 for any free port (default ${DEFAULT_CLI_PORT})
  --data FILE        keep configurations in FILE across restarts
                     (set ${ENCRYPTION_KEY_ENV} so a later run can read the secrets in it)
  --token TOKEN      accept this bearer token; repeat for more (default ${DEFAULT_EMULATOR_TOKEN})
  --rate-limit N     allow N requests per second per token, then answer 429
  --help             show this help
`;

/** A command-line mistake: reported with the usage and exit code 2. */
class UsageError extends Error {}

/** Turns argv into emulator options, or throws {@link UsageError}. Returns null for `--help`. */
export function parseCliArgs(argv: readonly string[]): EmulatorOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        data: { type: "string" },
        token: { type: "string", multiple: true },
        "rate-limit": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return null;
  const options: EmulatorOptions = {
    host: values.host ?? "127.0.0.1",
    port: DEFAULT_CLI_PORT,
  };
  if (options.host === "") throw new UsageError("--host must not be empty");
  if (values.port !== undefined) {
    options.port = parseInteger("--port", values.port, 0);
    if (options.port > 65535) throw new UsageError("--port must be an integer from 0 to 65535");
  }
  if (values.data !== undefined) {
    if (values.data === "") throw new UsageError("--data needs a file path");
    options.dataFile = values.data;
  }
  if (values.token !== undefined) {
    if (values.token.some((t) => t === "")) throw new UsageError("--token must not be empty");
    options.tokens = values.token;
  }
  if (values["rate-limit"] !== undefined)
    options.rateLimitPerSecond = parseInteger("--rate-limit", values["rate-limit"], 1);
  return options;
}

function parseInteger(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new UsageError(`${flag} must be an integer of at least ${min}, got '${text}'`);
  }
  return Number(text);
}

async function main(): Promise<void> {
  let options: EmulatorOptions | null;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`flashback-emulator: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === null) {
    process.stdout.write(USAGE);
    return;
  }
  if (options.dataFile !== undefined && !process.env[ENCRYPTION_KEY_ENV]) {
    process.stderr.write(
      `warning: --data is used without ${ENCRYPTION_KEY_ENV}: secrets in ${options.dataFile} are sealed with a ` +
        "random key that dies with this process, so a later run will not be able to validate them\n",
    );
  }
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({ ...options, log: (line) => process.stdout.write(`${line}\n`) });
  } catch (error) {
    process.stderr.write(`flashback-emulator: cannot start: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const tokens = options.tokens ?? [DEFAULT_EMULATOR_TOKEN];
  // Emulator tokens are test fixtures, not credentials: printing them is the point.
  process.stdout.write(
    `Flashback emulator listening on ${emulator.url}\n` +
      `Accepted bearer token${tokens.length > 1 ? "s" : ""}: ${tokens.join(", ")}\n`,
  );
  const stop = (): void => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    emulator.close().then(
      () => process.stdout.write("Flashback emulator stopped\n"),
      (error: unknown) => {
        process.stderr.write(`flashback-emulator: error while stopping: ${(error as Error).message}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`flashback-emulator: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
