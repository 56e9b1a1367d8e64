/*
 * npm run bench [-- --json] [-- --large] [-- --sizes 10,100] [-- --runs 3] [-- --out FILE]
 *
 * Measures AiLlmConfig through the real pulumi CLI against the local emulator, next to
 * two floors: the same engine deploying no-op dynamic resources, and the same creates
 * sent straight through FlashbackClient. Prints a table, or one JSON object with
 * --json (progress always goes to stderr). Exits non-zero only when something fails;
 * a missed target is reported (held: false), not an error.
 */
import { writeFile } from "node:fs/promises";
import { parseBenchArgs, USAGE, UsageError } from "./bench/options";
import { toJson, toTable } from "./bench/report";
import { runBench } from "./bench/run";

/**
 * While the benchmark runs, anything written to stdout (by a library, or the program
 * the engine runs in this process) goes to stderr, so that stdout holds the report alone.
 * @returns a function that writes to the real stdout.
 */
function reserveStdout(): (text: string) => Promise<void> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  return (text) =>
    new Promise((resolve, reject) => write(text, (error) => (error ? reject(error) : resolve())));
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const print = reserveStdout();
  if (options === "help") return print(`${USAGE}\n`);
  const result = await runBench(options);
  if (options.out !== undefined) await writeFile(options.out, `${toJson(result)}\n`);
  await print(`${options.json ? toJson(result) : toTable(result)}\n`);
}

main().then(
  // The engine's gRPC server and undici pools may keep the loop alive for a while.
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
